"""boto3 (a real third-party client) against a running bedrock-local.

Run by `crates/bedrock-local/tests/boto3.rs`, which starts the emulator on
127.0.0.1 and passes its URL in BEDROCK_LOCAL_URL. Every call goes through
botocore's own serializers, signers, event-stream parser and error handling,
so a wire difference from the real service fails here.
"""

import json
import os
import sys
import unittest

import boto3
from botocore.config import Config

URL = os.environ.get("BEDROCK_LOCAL_URL")
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def client(service):
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=URL,
        aws_access_key_id="AKIDLOCALEXAMPLE",
        aws_secret_access_key="local-secret-key",
        config=Config(retries={"max_attempts": 1}),
    )


class Runtime(unittest.TestCase):
    def setUp(self):
        self.rt = client("bedrock-runtime")

    def test_converse(self):
        out = self.rt.converse(
            modelId=MODEL,
            messages=[{"role": "user", "content": [{"text": "Hello from boto3"}]}],
            system=[{"text": "Be brief."}],
            inferenceConfig={"maxTokens": 100},
        )
        self.assertEqual(out["stopReason"], "end_turn")
        self.assertEqual(out["output"]["message"]["role"], "assistant")
        self.assertEqual(out["output"]["message"]["content"][0]["text"], "Hello from boto3")
        usage = out["usage"]
        self.assertEqual(usage["totalTokens"], usage["inputTokens"] + usage["outputTokens"])
        self.assertIn("x-amzn-requestid", out["ResponseMetadata"]["HTTPHeaders"])

    def test_converse_stream(self):
        out = self.rt.converse_stream(
            modelId=MODEL,
            messages=[{"role": "user", "content": [{"text": "stream these words please"}]}],
        )
        kinds, text = [], ""
        for event in out["stream"]:
            (kind, body), = event.items()
            kinds.append(kind)
            if kind == "contentBlockDelta":
                text += body["delta"]["text"]
        self.assertEqual(kinds[0], "messageStart")
        self.assertEqual(kinds[-2:], ["messageStop", "metadata"])
        self.assertEqual(text, "stream these words please")

    def test_invoke_model_anthropic(self):
        body = {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 50,
            "messages": [{"role": "user", "content": "Hi Claude"}],
        }
        out = self.rt.invoke_model(modelId=MODEL, body=json.dumps(body))
        answer = json.loads(out["body"].read())
        self.assertEqual(answer["type"], "message")
        self.assertEqual(answer["content"][0]["text"], "Hi Claude")
        self.assertIn("input_tokens", answer["usage"])

    def test_invoke_model_with_response_stream(self):
        body = {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 50,
            "messages": [{"role": "user", "content": "chunked answer"}],
        }
        out = self.rt.invoke_model_with_response_stream(modelId=MODEL, body=json.dumps(body))
        types, text = [], ""
        for event in out["body"]:
            chunk = json.loads(event["chunk"]["bytes"])
            types.append(chunk["type"])
            if chunk["type"] == "content_block_delta":
                text += chunk["delta"]["text"]
        self.assertEqual(types[0], "message_start")
        self.assertEqual(types[-1], "message_stop")
        self.assertEqual(text, "chunked answer")

    def test_unknown_model_is_a_typed_error(self):
        with self.assertRaises(self.rt.exceptions.ValidationException):
            self.rt.converse(
                modelId="no-such-vendor.no-such-model-v9:0",
                messages=[{"role": "user", "content": [{"text": "x"}]}],
            )


class ControlPlaneAndGuardrails(unittest.TestCase):
    def setUp(self):
        self.cp = client("bedrock")
        self.rt = client("bedrock-runtime")

    def test_list_foundation_models(self):
        models = self.cp.list_foundation_models(byProvider="Anthropic")["modelSummaries"]
        self.assertTrue(models)
        self.assertTrue(all(m["providerName"] == "Anthropic" for m in models))
        self.assertIn(MODEL, [m["modelId"] for m in models])

    def test_guardrail_round_trip_and_apply(self):
        created = self.cp.create_guardrail(
            name="boto3-guardrail",
            blockedInputMessaging="Blocked input.",
            blockedOutputsMessaging="Blocked output.",
            wordPolicyConfig={"wordsConfig": [{"text": "forbidden"}]},
            sensitiveInformationPolicyConfig={
                "piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]
            },
        )
        gid = created["guardrailId"]
        got = self.cp.get_guardrail(guardrailIdentifier=gid)
        self.assertEqual(got["name"], "boto3-guardrail")
        self.assertIn(gid, [g["id"] for g in self.cp.list_guardrails()["guardrails"]])
        version = self.cp.create_guardrail_version(guardrailIdentifier=gid)["version"]
        self.assertEqual(version, "1")

        blocked = self.rt.apply_guardrail(
            guardrailIdentifier=gid,
            guardrailVersion="DRAFT",
            source="INPUT",
            content=[{"text": {"text": "this is forbidden"}}],
        )
        self.assertEqual(blocked["action"], "GUARDRAIL_INTERVENED")
        masked = self.rt.apply_guardrail(
            guardrailIdentifier=gid,
            guardrailVersion="1",
            source="OUTPUT",
            content=[{"text": {"text": "write to a@example.com"}}],
        )
        self.assertEqual(masked["action"], "GUARDRAIL_INTERVENED")
        self.assertIn("{EMAIL}", masked["outputs"][0]["text"])
        clean = self.rt.apply_guardrail(
            guardrailIdentifier=gid,
            guardrailVersion="DRAFT",
            source="INPUT",
            content=[{"text": {"text": "all good"}}],
        )
        self.assertEqual(clean["action"], "NONE")

        self.cp.delete_guardrail(guardrailIdentifier=gid)
        with self.assertRaises(self.cp.exceptions.ResourceNotFoundException):
            self.cp.get_guardrail(guardrailIdentifier=gid)


if __name__ == "__main__":
    if not URL:
        sys.exit("BEDROCK_LOCAL_URL is not set")
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
