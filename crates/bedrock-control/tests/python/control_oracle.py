"""boto3/botocore as the oracle for the control-plane client's wire format.

Run by `crates/bedrock-control/tests/oracle.rs`:

    python3 control_oracle.py <specs/cache/extracted> <out.json> [Operation ...]

For each operation (default: all of them) it builds a non-trivial input from the
pinned service model (every member set down to a depth limit, URI labels holding
ARNs with `:` and `/`, two-element lists, enum values, bounds respected;
idempotency tokens left unset so both SDKs fill them from a fixed UUID), sends
it through boto3 to a recording HTTP server on 127.0.0.1 and records the
request botocore serialized. The server answers with a response built from the
output shape (status code from the model, JSON body, header members), and the
script checks that boto3 parses it back into the values put in.

Everything is derived deterministically from the operation and member names, so
two runs write the same file. The output, per operation:

    {"input": <input in the Rust types' serde form>,
     "request": {"method", "path" (raw, percent-encoded), "query": [[k, v], ...]
                 (decoded), "headers": {lower-case name: value}, "body": text},
     "response": {"status", "headers", "body"},
     "output": <the response's values in the Rust types' serde form>}

botocore loads the pinned model from the given directory (AWS_DATA_PATH), so
the oracle's serializers, not its bundled model version, are what is compared.
"""

import base64
import datetime
import email.utils
import hashlib
import json
import os
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIXED_TOKEN = "00000000-1111-4222-8333-444455556666"
MAX_DEPTH = 5
ACCOUNT = "123456789012"


def h(*parts):
    return int(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:8], 16)


class Gen:
    def __init__(self, shapes):
        self.shapes = shapes

    def value(self, shape_name, member, path, depth, location=None):
        """(python value for boto3, serde value for Rust)"""
        shape = self.shapes[shape_name]
        kind = shape["type"]
        name = path[-1] if path else "v"
        if kind == "string":
            if "enum" in shape:
                v = shape["enum"][h(*path) % len(shape["enum"])]
                return v, v
            lname = name.lower()
            if location == "uri" or lname.endswith("arn") or lname.endswith("identifier"):
                base = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/{name}.base-v1:0/a{h(*path) % 100000}"
            elif location in ("querystring", "header"):
                base = f"{name} q:v/w&x=y+{h(*path) % 1000}"
            else:
                base = f"{name}-value {h(*path) % 100000}"
            lo, hi = shape.get("min", 1), shape.get("max", 200)
            v = base[: max(hi, 1)]
            if len(v) < lo:
                v = v + "x" * (lo - len(v))
            return v, v
        if kind in ("integer", "long", "short", "byte"):
            lo, hi = shape.get("min"), shape.get("max")
            v = 7 + h(*path) % 50
            if lo is not None and v < lo:
                v = lo
            if hi is not None and v > hi:
                v = hi
            if lo is not None and hi is not None and lo < hi:
                v = lo + (h(*path) % (hi - lo + 1))
            return v, v
        if kind in ("float", "double"):
            lo, hi = shape.get("min"), shape.get("max")
            v = 0.5
            if lo is not None and v < lo:
                v = float(lo)
            if hi is not None and v > hi:
                v = float(hi)
            return v, v
        if kind == "boolean":
            v = h(*path) % 2 == 0
            return v, v
        if kind == "timestamp":
            secs = 1_700_000_000 + h(*path) % 10_000_000
            dt = datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)
            fmt = (member or {}).get("timestampFormat") or shape.get("timestampFormat")
            if fmt == "iso8601":
                serde = dt.strftime("%Y-%m-%dT%H:%M:%SZ")
            elif fmt == "rfc822":
                serde = email.utils.formatdate(secs, usegmt=True)
            else:
                serde = secs
            return dt, serde
        if kind == "blob":
            raw = f"blob:{name}:{h(*path) % 1000}".encode() + bytes([0, 255, 10])
            return raw, base64.b64encode(raw).decode()
        if kind == "list":
            lo, hi = shape.get("min", 0), shape.get("max", 2)
            n = max(lo, min(2, hi))
            if depth > MAX_DEPTH:
                n = lo
            item = shape["member"]
            pairs = [self.value(item["shape"], item, path + [str(i)], depth + 1, location) for i in range(n)]
            return [p for p, _ in pairs], [s for _, s in pairs]
        if kind == "map":
            lo, hi = shape.get("min", 0), shape.get("max", 2)
            n = max(lo, min(2, hi))
            if depth > MAX_DEPTH:
                n = lo
            py, serde = {}, {}
            for i in range(n):
                k, _ = self.value(shape["key"]["shape"], shape["key"], path + [f"key{i}"], depth + 1)
                vp, vs = self.value(shape["value"]["shape"], shape["value"], path + [f"value{i}"], depth + 1)
                py[k], serde[k] = vp, vs
            return py, serde
        if kind == "structure":
            if shape.get("document"):
                doc = {"name": name, "count": 3, "nested": {"flag": True, "items": ["a", "b"]}}
                return doc, doc
            members = shape.get("members", {})
            required = set(shape.get("required", []))
            if shape.get("union"):
                names = list(members)
                chosen = names[h(*path) % len(names)]
                # Prefer a member that terminates quickly when deep.
                if depth > MAX_DEPTH:
                    simple = [n for n in names if self.shapes[members[n]["shape"]]["type"] not in ("structure", "list", "map")]
                    if simple:
                        chosen = simple[0]
                p, s = self.value(members[chosen]["shape"], members[chosen], path + [chosen], depth + 1)
                return {chosen: p}, {chosen: s}
            py, serde = {}, {}
            for m, mm in members.items():
                if m not in required and depth > MAX_DEPTH:
                    continue
                if mm.get("idempotencyToken"):
                    continue
                target = self.shapes[mm["shape"]]
                if target.get("eventstream") or target.get("streaming"):
                    continue
                p, s = self.value(mm["shape"], mm, path + [m], depth + 1, mm.get("location"))
                py[m], serde[m] = p, s
            return py, serde
        raise ValueError(f"unsupported shape kind {kind}")


def header_text(shape, member, value):
    kind = shape["type"]
    if kind == "timestamp":
        return email.utils.format_datetime(value, usegmt=True)
    if kind == "boolean":
        return "true" if value else "false"
    return str(value)


def wire_json(gen, shape_name, value):
    """A value in the response's JSON body (timestamps as epoch seconds, blobs base64)."""
    shape = gen.shapes[shape_name]
    kind = shape["type"]
    if kind == "timestamp":
        fmt = shape.get("timestampFormat")
        if fmt == "iso8601":
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
        return int(value.timestamp())
    if kind == "blob":
        return base64.b64encode(value).decode()
    if kind == "list":
        return [wire_json(gen, shape["member"]["shape"], v) for v in value]
    if kind == "map":
        return {k: wire_json(gen, shape["value"]["shape"], v) for k, v in value.items()}
    if kind == "structure" and not shape.get("document"):
        out = {}
        for k, v in value.items():
            mm = shape["members"][k]
            out[mm.get("locationName", k)] = wire_json(gen, mm["shape"], v)
        return out
    return value


class Recorder(BaseHTTPRequestHandler):
    response = None
    requests = []

    def _handle(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urllib.parse.urlsplit(self.path)
        Recorder.requests.append(
            {
                "method": self.command,
                "path": split.path,
                "query": urllib.parse.parse_qsl(split.query, keep_blank_values=True),
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8"),
            }
        )
        status, headers, text = Recorder.response
        data = text.encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def log_message(self, *args):
        pass


def main():
    extracted, out_path = sys.argv[1], sys.argv[2]
    wanted = sys.argv[3:]
    os.environ["AWS_DATA_PATH"] = extracted
    import boto3
    import botocore.handlers
    from botocore.config import Config

    uuid.uuid4 = lambda: uuid.UUID(FIXED_TOKEN)
    botocore.handlers.uuid.uuid4 = uuid.uuid4

    model = json.load(open(os.path.join(extracted, "bedrock/2023-04-20/service-2.json")))
    shapes = model["shapes"]
    gen = Gen(shapes)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = boto3.client(
        "bedrock",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
        aws_access_key_id="AKIDORACLE",
        aws_secret_access_key="oracle-secret",
        config=Config(retries={"max_attempts": 1}, inject_host_prefix=False),
    )
    loaded = client.meta.service_model.operation_names
    if len(loaded) != len(model["operations"]):
        sys.exit(f"botocore loaded {len(loaded)} operations, the pinned model has {len(model['operations'])}")
    from botocore import xform_name

    results = {}
    failures = []
    for op_name, op in model["operations"].items():
        if wanted and op_name not in wanted:
            continue
        py_in, serde_in = gen.value(op["input"]["shape"], None, [op_name, "in"], 0)
        status = op["http"].get("responseCode", 200)
        headers = {"x-amzn-requestid": f"req-{op_name}", "content-type": "application/json"}
        body = {}
        py_out, serde_out = {}, {}
        if "output" in op:
            out_shape = shapes[op["output"]["shape"]]
            py_out, serde_out = gen.value(op["output"]["shape"], None, [op_name, "out"], 0)
            for m, v in py_out.items():
                mm = out_shape["members"][m]
                if m == out_shape.get("payload"):
                    body = wire_json(gen, mm["shape"], v)
                elif mm.get("location") == "header":
                    headers[mm["locationName"]] = header_text(shapes[mm["shape"]], mm, v)
                else:
                    body[mm.get("locationName", m)] = wire_json(gen, mm["shape"], v)
        text = json.dumps(body)
        Recorder.response = (status, headers, text)
        Recorder.requests = []
        try:
            parsed = getattr(client, xform_name(op_name))(**py_in)
        except Exception as e:  # noqa: BLE001
            failures.append(f"{op_name}: boto3 failed: {e!r}")
            continue
        parsed.pop("ResponseMetadata", None)
        if parsed != py_out:
            failures.append(f"{op_name}: boto3 parsed {parsed!r}, expected {py_out!r}")
        if len(Recorder.requests) != 1:
            failures.append(f"{op_name}: {len(Recorder.requests)} requests recorded")
            continue
        results[op_name] = {
            "input": serde_in,
            "request": Recorder.requests[0],
            "response": {"status": status, "headers": headers, "body": text},
            "output": serde_out,
        }
        # A modeled client error (not throttling, so neither SDK retries it), as the
        # service sends it: namespaced `x-amzn-errortype`, JSON body with the members.
        errors = [
            e["shape"]
            for e in op.get("errors", [])
            if 400 <= shapes[e["shape"]].get("error", {}).get("httpStatusCode", 400) < 429
        ]
        if errors:
            name = errors[h(op_name, "error") % len(errors)]
            err_py, _ = gen.value(name, None, [op_name, "error"], 0)
            err_body = json.dumps(wire_json(gen, name, err_py))
            err_status = shapes[name].get("error", {}).get("httpStatusCode", 400)
            err_headers = {
                "x-amzn-requestid": f"err-{op_name}",
                "x-amzn-errortype": f"{name}:http://internal.amazon.com/coral/com.amazon.bedrock/",
                "content-type": "application/json",
            }
            Recorder.response = (err_status, err_headers, err_body)
            try:
                getattr(client, xform_name(op_name))(**py_in)
                failures.append(f"{op_name}: boto3 accepted the error response")
                continue
            except client.exceptions.ClientError as e:
                err = e.response["Error"]
                results[op_name]["error"] = {
                    "response": {"status": err_status, "headers": err_headers, "body": err_body},
                    "code": err["Code"],
                    "message": err.get("Message"),
                    "request_id": e.response["ResponseMetadata"]["RequestId"],
                    "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                }
                if err["Code"] != name:
                    failures.append(f"{op_name}: boto3 read error code {err['Code']}, sent {name}")
    server.shutdown()
    with open(out_path, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    if failures:
        sys.exit("\n".join(failures))


if __name__ == "__main__":
    main()
