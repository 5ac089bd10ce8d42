//! Tests of the stream module: real event-stream frames in, typed events and responses out.
