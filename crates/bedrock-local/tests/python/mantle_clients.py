"""The official `openai` and `anthropic` Python packages against bedrock-local's mantle routes.

Run by tests/mantle_clients.rs with BEDROCK_LOCAL_URL set to a running emulator. Each check
uses the package's own request building, response models and SSE / event parsing; a failed
assertion exits non-zero.
"""

import json
import os
import sys
import unittest

import anthropic
import openai

URL = os.environ["BEDROCK_LOCAL_URL"]
KEY = "ABSKlocal-test-key"

WEATHER_TOOL_CHAT = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
WEATHER_TOOL_RESPONSES = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def openai_clients():
    # The mantle route (/v1) and bedrock-runtime's (/openai/v1).
    return [
        ("mantle", openai.OpenAI(base_url=f"{URL}/v1", api_key=KEY, max_retries=0)),
        ("runtime", openai.OpenAI(base_url=f"{URL}/openai/v1", api_key=KEY, max_retries=0)),
    ]


class ChatCompletions(unittest.TestCase):
    def test_create(self):
        for name, client in openai_clients():
            with self.subTest(route=name):
                completion = client.chat.completions.create(
                    model="echo",
                    messages=[
                        {"role": "system", "content": "Be brief."},
                        {"role": "user", "content": "Hello from the openai package!"},
                    ],
                )
                self.assertEqual(completion.choices[0].message.content, "Hello from the openai package!")
                self.assertEqual(completion.choices[0].message.role, "assistant")
                self.assertEqual(completion.choices[0].finish_reason, "stop")
                self.assertEqual(completion.object, "chat.completion")
                self.assertGreater(completion.usage.prompt_tokens, 0)
                self.assertEqual(completion.usage.completion_tokens, 6)

    def test_stream(self):
        for name, client in openai_clients():
            with self.subTest(route=name):
                stream = client.chat.completions.create(
                    model="local.echo",
                    messages=[{"role": "user", "content": "one two three four five six seven eight nine"}],
                    stream=True,
                    stream_options={"include_usage": True},
                )
                chunks = list(stream)
                self.assertEqual(chunks[0].choices[0].delta.role, "assistant")
                text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
                self.assertEqual(text, "one two three four five six seven eight nine")
                finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
                self.assertEqual(finishes, ["stop"])
                self.assertEqual(chunks[-1].choices, [])
                self.assertEqual(chunks[-1].usage.completion_tokens, 9)

    def test_tool_call_stream(self):
        client = openai_clients()[0][1]
        stream = client.chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": 'call get_weather {"city": "Paris, the capital of France"}'}],
            tools=[WEATHER_TOOL_CHAT],
            stream=True,
        )
        name, arguments, call_id = None, "", None
        finish = None
        for chunk in stream:
            choice = chunk.choices[0]
            for call in choice.delta.tool_calls or []:
                self.assertEqual(call.index, 0)
                name = call.function.name or name
                call_id = call.id or call_id
                arguments += call.function.arguments or ""
            finish = choice.finish_reason or finish
        self.assertEqual(name, "get_weather")
        self.assertTrue(call_id.startswith("tooluse_"))
        self.assertEqual(json.loads(arguments), {"city": "Paris, the capital of France"})
        self.assertEqual(finish, "tool_calls")

    def test_unknown_model(self):
        client = openai_clients()[0][1]
        with self.assertRaises(openai.NotFoundError) as caught:
            client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "hi"}])
        self.assertEqual(caught.exception.code, "model_not_found")

    def test_throttled(self):
        client = openai_clients()[0][1]
        with self.assertRaises(openai.RateLimitError):
            client.chat.completions.create(
                model="echo",
                messages=[{"role": "user", "content": "hi"}],
                extra_headers={"x-bedrock-local-fault": "throttle"},
            )

    def test_stream_error_event(self):
        client = openai_clients()[0][1]
        stream = client.chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "one two three four five six seven eight nine"}],
            stream=True,
            extra_headers={"x-bedrock-local-fault": "stream-exception-after=2"},
        )
        with self.assertRaises(openai.APIError):
            list(stream)


class Responses(unittest.TestCase):
    def test_create_retrieve_delete(self):
        for name, client in openai_clients():
            with self.subTest(route=name):
                response = client.responses.create(model="echo", input="Hello, Responses!", instructions="Be brief.")
                self.assertEqual(response.output_text, "Hello, Responses!")
                self.assertEqual(response.status, "completed")
                self.assertTrue(response.id.startswith("resp_"))
                again = client.responses.retrieve(response.id)
                self.assertEqual(again.output_text, "Hello, Responses!")
                items = client.responses.input_items.list(response.id)
                self.assertEqual([item.type for item in items.data], ["message"])
                self.assertEqual(items.data[0].content[0].text, "Hello, Responses!")
                client.responses.delete(response.id)
                with self.assertRaises(openai.NotFoundError):
                    client.responses.retrieve(response.id)

    def test_previous_response_id_carries_the_conversation(self):
        client = openai_clients()[0][1]
        first = client.responses.create(model="echo", input="My name is Ada.")
        second = client.responses.create(model="echo", input="history", previous_response_id=first.id)
        self.assertEqual(
            second.output_text, "2 earlier messages: user: My name is Ada. | assistant: My name is Ada."
        )
        self.assertEqual(second.previous_response_id, first.id)

    def test_stream_helper(self):
        for name, client in openai_clients():
            with self.subTest(route=name):
                with client.responses.stream(model="echo", input="Streaming through the helper, with several chunks.") as stream:
                    deltas = []
                    types = []
                    for event in stream:
                        types.append(event.type)
                        if event.type == "response.output_text.delta":
                            deltas.append(event.delta)
                    final = stream.get_final_response()
                self.assertEqual("".join(deltas), "Streaming through the helper, with several chunks.")
                self.assertEqual(final.output_text, "Streaming through the helper, with several chunks.")
                self.assertEqual(types[:4], [
                    "response.created", "response.in_progress",
                    "response.output_item.added", "response.content_part.added",
                ])
                self.assertEqual(types[-4:], [
                    "response.output_text.done", "response.content_part.done",
                    "response.output_item.done", "response.completed",
                ])

    def test_stream_raw_sequence_numbers(self):
        client = openai_clients()[1][1]
        events = list(client.responses.create(model="echo", input="a b c d e f g h", stream=True))
        self.assertEqual([e.sequence_number for e in events], list(range(len(events))))
        self.assertEqual(events[-1].response.output_text, "a b c d e f g h")

    def test_function_call(self):
        client = openai_clients()[0][1]
        response = client.responses.create(
            model="echo", input='call get_weather {"city": "Paris"}', tools=[WEATHER_TOOL_RESPONSES]
        )
        call = response.output[0]
        self.assertEqual(call.type, "function_call")
        self.assertEqual((call.name, json.loads(call.arguments)), ("get_weather", {"city": "Paris"}))
        follow = client.responses.create(
            model="echo",
            previous_response_id=response.id,
            input=[{"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 24 C"}],
            tools=[WEATHER_TOOL_RESPONSES],
        )
        self.assertEqual(follow.output_text, "Sunny, 24 C")

    def test_background_and_cancel(self):
        client = openai_clients()[0][1]
        queued = client.responses.create(model="echo", input="later", background=True)
        self.assertEqual(queued.status, "queued")
        cancelled = client.responses.cancel(queued.id)
        self.assertEqual(cancelled.status, "cancelled")
        self.assertEqual(client.responses.retrieve(queued.id).status, "cancelled")


class Models(unittest.TestCase):
    def test_list_and_retrieve(self):
        client = openai_clients()[0][1]
        ids = [model.id for model in client.models.list()]
        self.assertIn("local.echo", ids)
        self.assertEqual(client.models.retrieve("local.echo").id, "local.echo")
        with self.assertRaises(openai.NotFoundError):
            client.models.retrieve("no-such-model")


def anthropic_client():
    # The package appends /v1/messages to the base URL.
    return anthropic.Anthropic(base_url=f"{URL}/anthropic", api_key=KEY, max_retries=0)


class Messages(unittest.TestCase):
    def test_create(self):
        message = anthropic_client().messages.create(
            model="echo",
            max_tokens=100,
            system="Be brief.",
            messages=[{"role": "user", "content": "Hello from the anthropic package!"}],
        )
        self.assertEqual(message.content[0].text, "Hello from the anthropic package!")
        self.assertEqual(message.stop_reason, "end_turn")
        self.assertEqual(message.role, "assistant")
        self.assertGreater(message.usage.input_tokens, 0)

    def test_stream_helper(self):
        with anthropic_client().messages.stream(
            model="echo",
            max_tokens=100,
            messages=[{"role": "user", "content": "Streaming with the helper, in several text deltas."}],
        ) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        self.assertEqual(text, "Streaming with the helper, in several text deltas.")
        self.assertEqual(final.content[0].text, text)
        self.assertEqual(final.stop_reason, "end_turn")
        self.assertGreater(final.usage.output_tokens, 0)

    def test_stream_tool_use(self):
        tools = [{"name": "get_weather", "input_schema": {"type": "object"}}]
        with anthropic_client().messages.stream(
            model="echo",
            max_tokens=100,
            tools=tools,
            messages=[{"role": "user", "content": 'call get_weather {"city": "Paris, the capital of France"}'}],
        ) as stream:
            final = stream.get_final_message()
        block = final.content[0]
        self.assertEqual((block.type, block.name), ("tool_use", "get_weather"))
        self.assertEqual(block.input, {"city": "Paris, the capital of France"})
        self.assertEqual(final.stop_reason, "tool_use")

    def test_raw_stream_events(self):
        events = list(anthropic_client().messages.create(
            model="echo", max_tokens=100, stream=True, messages=[{"role": "user", "content": "hi there"}]
        ))
        self.assertEqual(
            [e.type for e in events],
            ["message_start", "content_block_start", "content_block_delta", "content_block_stop",
             "message_delta", "message_stop"],
        )

    def test_stream_error_event(self):
        with self.assertRaises(anthropic.APIStatusError) as caught:
            with anthropic_client().messages.stream(
                model="echo",
                max_tokens=100,
                messages=[{"role": "user", "content": "one two three four five six seven eight nine"}],
                extra_headers={"x-bedrock-local-fault": "stream-exception-after=2:type=throttlingException"},
            ) as stream:
                stream.get_final_message()
        self.assertIn("rate_limit_error", str(caught.exception))

    def test_max_tokens(self):
        message = anthropic_client().messages.create(
            model="echo", max_tokens=2, messages=[{"role": "user", "content": "one two three"}]
        )
        self.assertEqual((message.content[0].text, message.stop_reason), ("one two", "max_tokens"))

    def test_count_tokens(self):
        count = anthropic_client().messages.count_tokens(
            model="echo", messages=[{"role": "user", "content": "Hello, world!"}]
        )
        self.assertEqual(count.input_tokens, 4)

    def test_errors(self):
        with self.assertRaises(anthropic.NotFoundError):
            anthropic_client().messages.create(
                model="no-such-model", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
            )
        with self.assertRaises(anthropic.RateLimitError):
            anthropic_client().messages.create(
                model="echo", max_tokens=10, messages=[{"role": "user", "content": "hi"}],
                extra_headers={"x-bedrock-local-fault": "throttle"},
            )


if __name__ == "__main__":
    print("openai", openai.__version__, "anthropic", anthropic.__version__, file=sys.stderr)
    unittest.main(verbosity=2)
