#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ (small, hand-made inputs); run from the repo root."""
import os, json, base64, struct
root = 'fuzz/corpus'
def put(t, name, data):
    os.makedirs(f'{root}/{t}', exist_ok=True)
    if isinstance(data, str): data = data.encode()
    open(f'{root}/{t}/{name}', 'wb').write(data)
fx = {n: open(f'tests/fixtures/{n}', 'rb').read() for n in sorted(os.listdir('tests/fixtures')) if n.endswith('.sse')}
prov = 'tests/fixtures/providers'
if os.path.isdir(prov):
    for n in sorted(os.listdir(prov)):
        if n.endswith('.sse'):
            d = open(f'{prov}/{n}', 'rb').read()
            put('messages' if n.startswith(('anthropic', 'litellm_messages')) else 'chat', n, d)
steer = bytes([8, 1, 3, 7, 64, 2, 0, 5, 13])
for n, d in fx.items():
    put('sse', n, steer + d)
    put('messages' if 'anthropic' in n else 'chat', n, d)
put('sse', 'bom-crlf', bytes([0, 1, 1, 2, 2, 3, 3, 4, 4]) + b'\xef\xbb\xbfdata: a\r\n\r\ndata: b\r\rid: 1\n: c\ndata\n\n')
put('sse', 'limit', bytes([3, 200, 0, 1, 9, 1, 1, 1, 1]) + b'data: 0123456789\n\ndata: x\ndata: y\n\nevent: e\ndata: long long long\n\n')
put('chat', 'tools',
    'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"t","type":"function","function":{"name":"f","arguments":"{\\"a\\""}}]}}]}\n\n'
    'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":"tool_calls"}]}\n\n'
    'data: {"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}\n\ndata: [DONE]\n\n')
put('messages', 'tool',
    'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"model":"x","usage":{"input_tokens":1}}}\n\n'
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}\n\n'
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":"}}\n\n'
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"1}"}}\n\n'
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":3}}\n\n'
    'event: message_stop\ndata: {"type":"message_stop"}\n\n')
docs = {'object': '{"a":[1,2.5,-3e10,true,false,null],"b":{"c":"\\u00e9\\ud83d\\ude00\\n"}}', 'deep': '[' * 60 + ']' * 60,
        'num': '-0.0e-0', 'str': '"\\"\\\\\\/\\b\\f\\n\\r\\t"', 'ws': ' \t\n\r{ } ', 'empty': '[]'}
for k, v in docs.items(): put('json', k, v)
chat = {"id": "c1", "object": "chat.completion", "created": 1, "model": "basic", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi", "tool_calls": [{"id": "t", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, "finish_reason": "stop", "logprobs": None}], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
msg = {"id": "m1", "type": "message", "role": "assistant", "model": "basic", "content": [{"type": "text", "text": "Hi"}, {"type": "thinking", "thinking": "hm", "signature": "s"}, {"type": "tool_use", "id": "t", "name": "f", "input": {"a": 1}}], "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 2}}
put('replay', 'chat', json.dumps(chat)); put('replay', 'message', json.dumps(msg))
reqs = {'chat': {"model": "basic", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.5, "max_tokens": 10, "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]},
        'messages': {"model": "basic", "max_tokens": 10, "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}], "system": "s"},
        'embed': {"model": "e", "input": ["a", "b"]}, 'bad': {"model": "", "messages": [{"role": "robot"}], "n": -1}}
for k, v in reqs.items(): put('validate', k, json.dumps(v))
vec = base64.b64encode(struct.pack('<3f', 1.0, -2.5, 3.25)).decode()
put('embed', 'body', json.dumps({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": vec}, {"object": "embedding", "index": 1, "embedding": vec.rstrip('=')}], "model": "e", "usage": {"prompt_tokens": 1, "total_tokens": 1}}))
put('embed', 'raw', vec)
put('retry', 'a', struct.pack('<5d', 0.3, 150.0, 2.0, 3000.0, 0.0) + bytes([0xf5, 1, 0, 3, 7, 5]) + struct.pack('<8H', 429, 503, 500, 200, 408, 409, 529, 400) + bytes([1, 2, 0, 61, 5, 0, 0, 0]))
put('retry', 'b', struct.pack('<5d', 0.99, -1.0, float('nan'), 120000.0, 0.0) + bytes([0x2d, 1, 1, 1, 2, 10]) + struct.pack('<8H', *[500] * 8) + bytes([60] * 8))
put('redact', 'page', bytes([24, 128]) + b'sk-aibadgr-SECRET-123456' + b'<html>' + b'\0' * 20 + b'\1 tail</html>')
put('redact', 'short', bytes([0, 3]) + b'abcd' + b'x abcd \0 y')
partial = {'tool': '{"city": "Paris", "days": [1, 2, 3], "units": {"temp": "C", "wind": null}, "ok": true}',
           'nested': '[[{"a": "x\\u00e9\\n"}, [-1.5e3, false]], {"b": [{}]}]', 'string': '"half an \\" escape"'}
for k, v in partial.items(): put('partial', k, v)
