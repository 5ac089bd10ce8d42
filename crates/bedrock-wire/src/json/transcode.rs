//! serde for the generated structures and unions, through their [`ReadJson`] and
//! [`WriteJson`] impls.
//!
//! A structure's `Serialize` writes its JSON with [`WriteJson`] and hands that JSON, as a tree
//! of [`Node`]s with members in order, to the serializer; its `Deserialize` takes one value of
//! any kind from the deserializer as a `Node` and reads it with [`ReadJson`]. So the
//! generated impls are one line each and generic code per type is gone from the model crates:
//! what is generic over the (de)serializer is the `Node` impls here, compiled once per
//! (de)serializer a program uses, not once per model type.
//!
//! The JSON is the same as [`WriteJson`] writes and [`ReadJson`] reads: with `serde_json`,
//! byte for byte and value for value (the model round-trip tests compare them for every
//! generated type). Other self-describing formats (YAML, CBOR, ...) see structures and
//! unions as maps; formats that are not self-describing cannot read them.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};

use super::direct::{read, write, ReadJson, WriteJson};
use super::{from_slice, to_vec, Error};

/// One JSON value, with the members of objects in their order.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Text(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

/// `Serialize` of a generated structure or union: its [`WriteJson`] form, given to `serializer`.
pub fn serialize<T: WriteJson, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    match to_node(value) {
        Ok(node) => node.serialize(serializer),
        Err(error) => Err(ser::Error::custom(error)),
    }
}

/// `Deserialize` of a generated structure or union: one value from `deserializer`, read with
/// [`ReadJson`]. Errors carry the message of the [`ReadJson`] error (the position is the
/// deserializer's own).
pub fn deserialize<'de, T: ReadJson, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    let node = Node::deserialize(deserializer)?;
    let text = node_text(&node).map_err(de::Error::custom)?;
    read::<T>(&text).map_err(|error| de::Error::custom(error.message()))
}

fn to_node(value: &dyn WriteJson) -> Result<Node, Error> {
    from_slice(&write(value)?)
}

fn node_text(node: &Node) -> Result<Vec<u8>, Error> {
    to_vec(node)
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => serializer.serialize_unit(),
            Node::Bool(value) => serializer.serialize_bool(*value),
            Node::Unsigned(value) => serializer.serialize_u64(*value),
            Node::Signed(value) => serializer.serialize_i64(*value),
            Node::Float(value) => serializer.serialize_f64(*value),
            Node::Text(value) => serializer.serialize_str(value),
            Node::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Node, E> {
        Ok(match u64::try_from(value) {
            Ok(value) => Node::Unsigned(value),
            Err(_) => Node::Signed(value),
        })
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Node, E> {
        Ok(Node::Unsigned(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Node, E> {
        Ok(Node::Float(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Node, E> {
        Ok(Node::Text(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Node, E> {
        Ok(Node::Text(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            members.push((key, value));
        }
        Ok(Node::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_keep_member_order_and_number_kinds() {
        let text = br#"{"b":[1,-2,2.5,"x",null,true],"a":{"z":{},"y":[]},"c":1e+300,"d":18446744073709551615}"#;
        let node: Node = serde_json::from_slice(text).unwrap();
        assert_eq!(serde_json::to_vec(&node).unwrap(), text.to_vec());
        assert_eq!(node_text(&node).unwrap(), text.to_vec());
        let again: Node = from_slice(text).unwrap();
        assert_eq!(again, node);
    }
}
