#!/usr/bin/env python3
"""The model-workload numbers of docs/benchmarks.md, measured end to end through the real daemon.

Starts `nemoctl daemon` in a temporary NEMODESK_HOME with a generated model in its library, then:
  - time to first token on a warm server (send -> first content chunk, client side, streamed);
  - aggregate decode tokens/s of 1, 4 and 16 concurrent streams on one server (16 slots);
  - a batch-inference job (workload) against `nemoctl bench`'s decode rate on the same model.
Prints a markdown table. Usage: tools/bench-serve.py [--build build/default] [--arch nemotron_h]
[--type q8_0] [--embd 2048] [--pattern M-M*M-M-M*M-] [--tokens 64]
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default='build/default')
    ap.add_argument('--arch', default='nemotron_h')
    ap.add_argument('--type', default='q8_0')
    ap.add_argument('--embd', default='2048')
    ap.add_argument('--pattern', default='M-M*M-M-M*M-', help='nemotron_h layer pattern (M mamba, * attention, - MLP)')
    ap.add_argument('--tokens', type=int, default=64)
    args = ap.parse_args()
    nemoctl = os.path.abspath(os.path.join(args.build, 'bin/nemoctl'))
    gen = os.path.abspath(os.path.join(args.build, 'gpu/nemodesk-gen-model'))
    tmp = tempfile.mkdtemp(prefix='nd-bench-serve-')
    models = os.path.join(tmp, 'models')
    os.makedirs(models)
    model = os.path.join(models, 'bench.gguf')
    template = os.path.join(tmp, 'chatml.jinja')
    with open(template, 'w') as f:
        f.write('{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}'
                '{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}')
    shape = ['--chat-template', template] + (['--pattern', args.pattern] if args.arch.startswith('nemotron_h')
                                             else ['--layers', '12'])
    subprocess.run([gen, '--arch', args.arch, '--type', args.type, '--embd', args.embd, *shape, '--out', model],
                   check=True, stdout=subprocess.DEVNULL)
    env = dict(os.environ, NEMODESK_HOME=os.path.join(tmp, 'home'))
    os.makedirs(os.path.join(tmp, 'home/config'), exist_ok=True)
    with open(os.path.join(tmp, 'home/config/settings.json'), 'w') as f:
        json.dump({'models': {'folders': [models], 'server_slots': 16, 'keep_alive_s': 3600}}, f)
    daemon = subprocess.Popen([nemoctl, 'daemon'], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            r = subprocess.run([nemoctl, 'endpoint', '--json'], env=env, capture_output=True, text=True)
            if r.returncode == 0:
                break
            time.sleep(0.1)
        endpoint = json.loads(r.stdout)
        token = open(endpoint['token_file']).read().strip()
        port = int(endpoint['url'].rsplit(':', 1)[1])
        run(nemoctl, env, model, port, token, args.tokens)
    finally:
        subprocess.run([nemoctl, 'stop'], env=env, capture_output=True)
        daemon.wait(timeout=30)


def request(port, token, path, body, stream):
    """Returns (status, first_token_seconds, completion_tokens, total_seconds)."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=600)
    t0 = time.perf_counter()
    conn.request('POST', path, json.dumps(body), {'Authorization': f'Bearer {token}',
                                                  'Content-Type': 'application/json'})
    resp = conn.getresponse()
    first = None
    tokens = 0
    if not stream:
        answer = json.loads(resp.read())
        return resp.status, None, answer.get('usage', {}).get('completion_tokens', 0), time.perf_counter() - t0
    for raw in resp:
        line = raw.decode().strip()
        if not line.startswith('data: ') or line == 'data: [DONE]':
            continue
        chunk = json.loads(line[6:])
        if chunk.get('usage'):
            tokens = chunk['usage']['completion_tokens']
        for choice in chunk.get('choices', []):
            delta = choice.get('delta', {})
            if first is None and (delta.get('content') or delta.get('reasoning_content')):
                first = time.perf_counter() - t0
    return resp.status, first, tokens, time.perf_counter() - t0


def chat(text, tokens, stream=True):
    return {'model': 'bench', 'messages': [{'role': 'user', 'content': text}], 'max_tokens': tokens,
            'stream': stream, 'stream_options': {'include_usage': True}, 'reasoning': False, 'seed': 1,
            'ignore_eos': True}


def run(nemoctl, env, model, port, token, n_tokens):
    path = '/v1/chat/completions'
    prompt = 'Write a short story about a lighthouse keeper who finds a message in a bottle.'
    t0 = time.perf_counter()
    status, _, _, _ = request(port, token, path, chat(prompt, 4, False), False)
    cold = time.perf_counter() - t0
    assert status == 200, status
    ttft = []
    for i in range(10):
        status, first, _, _ = request(port, token, path, chat(f'{prompt} ({i})', 8), True)
        ttft.append(first)
    rows = [('cold start (server job started, model loaded, 4 tokens)', f'{cold * 1000:.0f} ms')]
    rows.append(('time to first token, warm server (median of 10, ~30-token prompt)',
                 f'{statistics.median(ttft) * 1000:.1f} ms'))
    for streams in (1, 4, 16):
        results = [None] * streams

        def one(i):
            results[i] = request(port, token, path, chat(f'{prompt} [{i}]', n_tokens), True)
        threads = [threading.Thread(target=one, args=(i,)) for i in range(streams)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        total = sum(r[2] for r in results)
        rows.append((f'{streams} concurrent stream(s): aggregate tokens/s ({total} tokens)', f'{total / wall:.1f}'))

    bench = subprocess.run([nemoctl, 'bench', '--model', model, '-p', '0', '-n', str(n_tokens), '-r', '3', '--json'],
                           env=env, capture_output=True, text=True, check=True)
    tg = [t for t in json.loads(bench.stdout)['tests'] if t['n_gen'] > 0][0]['avg_ts']
    rows.append((f'nemoctl bench decode (tg{n_tokens})', f'{tg:.1f} tokens/s'))
    tmp = os.path.dirname(model)
    inp, out = os.path.join(tmp, 'in.jsonl'), os.path.join(tmp, 'out.jsonl')
    with open(inp, 'w') as f:
        for i in range(16):
            f.write(json.dumps({'messages': [{'role': 'user', 'content': f'{prompt} {i}'}], 'max_tokens': n_tokens,
                                'reasoning': False}) + '\n')
    conn = http.client.HTTPConnection('127.0.0.1', port)
    conn.request('POST', '/api/jobs', json.dumps({'workload': {'kind': 'batch', 'model': 'bench', 'input': inp,
                                                               'output': out}}),
                 {'Authorization': f'Bearer {token}', 'Content-Type': 'application/json'})
    job = json.loads(conn.getresponse().read())['job_id']
    while True:
        conn = http.client.HTTPConnection('127.0.0.1', port)
        conn.request('GET', f'/api/jobs/{job}', headers={'Authorization': f'Bearer {token}'})
        j = json.loads(conn.getresponse().read())
        if j['state'] not in ('pending', 'running'):
            break
        time.sleep(0.2)
    lines = [json.loads(l) for l in open(out)]
    gen = sum(l['usage']['completion_tokens'] for l in lines if 'usage' in l)
    # The worker's own figure: generated tokens over the time since it began answering (lines overlap,
    # `parallel` at a time, so their own decode times do not add up).
    answering = j.get('progress', {}).get('tokens_per_s', 0)
    rows.append((f'batch job ({j["state"]}, 16 lines x {n_tokens} tokens, 4 at a time): tokens/s while answering',
                 f'{answering:.1f} ({answering / tg * 100:.0f} % of bench)'))
    wall_ms = j['accounting']['wall_ms']
    rows.append(('batch job: generated tokens / job wall time (model load and files included)',
                 f'{gen / wall_ms * 1000:.1f} tokens/s'))
    print('| measurement | value |\n|---|---|')
    for name, value in rows:
        print(f'| {name} | {value} |')


if __name__ == '__main__':
    main()
