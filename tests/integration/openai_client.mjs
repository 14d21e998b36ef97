// Drives the daemon's OpenAI-compatible API with the official `openai` npm client (installed under
// tools/reference): models.list, a chat completion, the same one streamed (same seed: the same text),
// a raw completion, and an unknown model (the client's NotFoundError). Prints "ok" and exits 0 when every
// check holds. Usage: node openai_client.mjs BASE_URL TOKEN MODEL
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tools/reference/package.json'));
const OpenAI = require('openai').default ?? require('openai');

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60000 });

function check(condition, what) {
  if (!condition) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
}

const models = await client.models.list();
const ids = [];
for await (const m of models) ids.push(m.id);
check(ids.includes(model), `models.list includes ${model}: ${ids}`);

const request = { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 10, seed: 11, reasoning: false };
const answer = await client.chat.completions.create(request);
const text = answer.choices[0].message.content;
check(typeof text === 'string' && text.length > 0, 'a non-empty answer');
check(answer.usage.completion_tokens === 10, `10 completion tokens, got ${answer.usage.completion_tokens}`);

const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
let streamed = '';
let usage = null;
let finish = null;
for await (const chunk of stream) {
  if (chunk.choices.length > 0) {
    streamed += chunk.choices[0].delta.content ?? '';
    finish = chunk.choices[0].finish_reason ?? finish;
  }
  if (chunk.usage) usage = chunk.usage;
}
check(streamed === text, `the stream gives the same text: ${JSON.stringify(streamed)} vs ${JSON.stringify(text)}`);
check(finish === 'length', `finish_reason length, got ${finish}`);
check(usage && usage.completion_tokens === 10, 'usage in the last chunk');

const completion = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 5 });
check(completion.choices[0].text.length > 0, 'a raw completion');

try {
  await client.chat.completions.create({ ...request, model: 'no-such-model' });
  check(false, 'an unknown model is refused');
} catch (error) {
  check(error.status === 404, `404 for an unknown model, got ${error.status}`);
  check(String(error.message).includes(model), 'the error lists the models');
}
console.log('ok');
