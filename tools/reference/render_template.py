#!/usr/bin/env python3
"""Renders a chat template the way Hugging Face's apply_chat_template does (the reference for NemoDesk's
own interpreter, gpu/chat/jinja).

    render_template.py TEMPLATE.jinja VARS.json      prints the render, nothing added; exit 1 with the
                                                     error on stderr when Jinja2 raises
    render_template.py --batch MANIFEST.json         renders many pairs in one process (tests): the
                                                     manifest is [{"template", "vars", "out"}, ...]; each
                                                     render goes to OUT, or its error to OUT + ".err"

The environment is transformers' (chat_template_utils._compile_jinja_template): an
ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks, the loopcontrols extension, the
`{% generation %}` tag (AssistantTracker; here it only renders its body), the globals raise_exception and
strftime_now, and a `tojson` filter that is json.dumps with ensure_ascii=False and its other arguments.
VARS.json is the render's keyword arguments (messages, tools, add_generation_prompt, bos_token, …).
strftime_now reads the clock from NEMODESK_TEMPLATE_NOW_UNIX_S when set, so both sides can be pinned.
"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationTag(Extension):
    """`{% generation %}…{% endgeneration %}`: transformers marks assistant tokens with it; the text is
    rendered unchanged."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    pinned = os.environ.get("NEMODESK_TEMPLATE_NOW_UNIX_S")
    now = datetime.fromtimestamp(int(pinned)) if pinned else datetime.now()
    return now.strftime(format)


def environment():
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, template_path, vars_path, compiled=None):
    """compiled: a dict path -> Template (batch mode compiles each template once)."""
    template = compiled.get(template_path) if compiled is not None else None
    if template is None:
        with open(template_path, encoding="utf-8") as f:
            template = env.from_string(f.read())
        if compiled is not None:
            compiled[template_path] = template
    with open(vars_path, encoding="utf-8") as f:
        variables = json.load(f)
    if not isinstance(variables, dict):
        raise ValueError(f"{vars_path}: the variables must be a JSON object")
    return template.render(**variables)


def main(argv):
    env = environment()
    if len(argv) == 3 and argv[1] == "--batch":
        with open(argv[2], encoding="utf-8") as f:
            jobs = json.load(f)
        compiled = {}
        for job in jobs:
            try:
                text = render(env, job["template"], job["vars"], compiled)
                with open(job["out"], "w", encoding="utf-8", newline="") as f:
                    f.write(text)
            except Exception as e:  # any failure of the template is a result to compare
                with open(job["out"] + ".err", "w", encoding="utf-8") as f:
                    f.write(f"{type(e).__name__}: {e}")
        return 0
    if len(argv) != 3:
        sys.stderr.write("usage: render_template.py TEMPLATE.jinja VARS.json | --batch MANIFEST.json\n")
        return 2
    try:
        text = render(env, argv[1], argv[2])
    except Exception as e:
        sys.stderr.write(f"{type(e).__name__}: {e}\n")
        return 1
    sys.stdout.buffer.write(text.encode("utf-8", "surrogatepass"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
