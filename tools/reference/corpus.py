#!/usr/bin/env python3
"""Builds the tokenizer conformance/benchmark corpus: JSON lines, one string per line.

    tools/reference/corpus.py OUT.jsonl [--min-lines N] [--min-bytes B] [--seed S]

The text comes from what a Debian 12 machine set up by tools/quickstart.sh has (and from Python's own
tables), so the same machine always gives the same corpus:
  * translations: msgstr texts of /usr/share/locale/*/LC_MESSAGES/*.mo (many languages and scripts);
  * documentation: /usr/share/doc/*/ (README, copyright, changelog.gz) and man pages (troff, .gz);
  * source code: C/C++ headers in /usr/include and the Python standard library;
  * generated text that stresses pre-tokenizers: numbers of every shape, whitespace runs ("\\r\\n", lone
    "\\r", tabs, trailing/leading blanks, blank lines), emoji (ZWJ sequences, skin tones, flags), CJK,
    RTL scripts, Devanagari, Thai, combining marks and NFD text, full-width forms, math symbols,
    contractions in odd cases ("I'M", "you'LL"), URLs, JSON and very long lines.
Every source that is missing is skipped; the script fails (exit 1) only if the result is smaller than
--min-lines entries / --min-bytes UTF-8 bytes. Entries may contain newlines (paragraphs, source blocks).
Order: the entries are deduplicated, then shuffled with a fixed seed (so any prefix mixes every category).
"""
import argparse
import glob
import gettext
import gzip
import io
import json
import os
import random
import re
import sys
import unicodedata

MAX_ENTRY_CHARS = 3000  # longer paragraphs are cut (the "long lines" category adds a few big ones on purpose)


def read_text(path, limit_bytes=400_000):
    """Text of a plain or .gz file, decoded as UTF-8 (invalid bytes replaced); '' if unreadable."""
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                data = f.read(limit_bytes)
        else:
            with open(path, "rb") as f:
                data = f.read(limit_bytes)
    except (OSError, EOFError, gzip.BadGzipFile):
        return ""
    if b"\0" in data[:4096]:
        return ""  # binary
    return data.decode("utf-8", errors="replace")


def paragraphs(text, max_chars=MAX_ENTRY_CHARS):
    """Blank-line separated paragraphs, with their own line breaks kept."""
    out = []
    for para in re.split(r"\n\s*\n", text):
        if para.strip():
            out.append(para[:max_chars])
    return out


def line_blocks(text, rng, max_lines=12):
    """Runs of 1..max_lines consecutive lines (source code keeps its indentation and blank lines)."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        n = rng.randint(1, max_lines)
        block = "\n".join(lines[i:i + n])
        if block.strip():
            out.append(block[:MAX_ENTRY_CHARS])
        i += n
    return out


def translations(rng, per_catalog):
    """msgstr texts from the .mo catalogs, a sample per catalog (plural forms and all)."""
    out = []
    for path in sorted(glob.glob("/usr/share/locale/*/LC_MESSAGES/*.mo")):
        try:
            with open(path, "rb") as f:
                catalog = gettext.GNUTranslations(f)._catalog  # noqa: SLF001 - the only way to list entries
        except Exception:  # a broken catalog is skipped, never fatal
            continue
        texts = sorted({v for k, v in catalog.items() if k and isinstance(v, str) and v.strip()})
        rng.shuffle(texts)
        out.extend(texts[:per_catalog])
    return out


def documentation(rng, max_files):
    out = []
    docs = sorted(glob.glob("/usr/share/doc/*/README*") + glob.glob("/usr/share/doc/*/copyright")
                  + glob.glob("/usr/share/doc/*/changelog*.gz") + glob.glob("/usr/share/doc/*/NEWS*"))
    rng.shuffle(docs)
    for path in docs[:max_files]:
        out.extend(paragraphs(read_text(path, 60_000)))
    mans = sorted(glob.glob("/usr/share/man/*/*.gz"))
    rng.shuffle(mans)
    for path in mans[:max_files]:
        out.extend(paragraphs(read_text(path, 60_000)))
    return out


def source_code(rng, max_files):
    out = []
    headers = sorted(glob.glob("/usr/include/**/*.h", recursive=True) + glob.glob("/usr/include/c++/*/*"))
    headers = [h for h in headers if os.path.isfile(h)]
    rng.shuffle(headers)
    for path in headers[:max_files]:
        out.extend(line_blocks(read_text(path, 80_000), rng))
    pys = sorted(glob.glob(os.path.join(os.path.dirname(os.__file__), "*.py")))
    rng.shuffle(pys)
    for path in pys[:max_files]:
        out.extend(line_blocks(read_text(path, 80_000), rng))
    return out


def numbers(rng, count):
    out = []
    for _ in range(count):
        kind = rng.randrange(9)
        if kind == 0:
            out.append(str(rng.randrange(10 ** rng.randint(1, 20))))
        elif kind == 1:
            out.append(f"{rng.uniform(-1e6, 1e6):.{rng.randint(0, 9)}f}")
        elif kind == 2:
            out.append(f"{rng.randint(1900, 2099)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                       f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z")
        elif kind == 3:
            out.append(f"+{rng.randint(1, 99)} ({rng.randint(100, 999)}) {rng.randint(100, 999)}-{rng.randint(1000, 9999)}")
        elif kind == 4:
            out.append(f"0x{rng.getrandbits(rng.choice([8, 16, 32, 64])):X}")
        elif kind == 5:
            out.append(f"{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}")
        elif kind == 6:
            out.append(" ".join(str(rng.randint(0, 10 ** rng.randint(1, 7))) for _ in range(rng.randint(2, 12))))
        elif kind == 7:
            out.append(f"{rng.randint(1, 999):,}".replace(",", rng.choice([",", ".", " ", "\u202f"]))
                       + f"{rng.randint(0, 999):03d}")
        else:
            out.append(f"{rng.random():.3e} {rng.randint(1, 100)}% v{rng.randint(0, 9)}.{rng.randint(0, 99)}.{rng.randint(0, 9)}")
    return out


def whitespace(rng, words, count):
    pieces = [" ", "  ", "   ", "\t", "\t\t", " \t", "\n", "\n\n", "\n\n\n", "\r\n", "\r", "\r\r\n", " \n",
              "\n ", "\u00a0", "\u3000", "\u2009", "\v", "\f", "    ", "        "]
    out = []
    for _ in range(count):
        s = rng.choice(pieces) if rng.random() < 0.5 else ""
        for _ in range(rng.randint(1, 8)):
            s += rng.choice(words) + rng.choice(pieces)
        out.append(s)
    out.extend(pieces)
    out.extend(p * n for p in pieces for n in (2, 5, 17))
    return out


def chars_of(predicate, ranges):
    return [chr(c) for a, b in ranges for c in range(a, b + 1) if predicate(chr(c))]


def scripts(rng, count):
    """Text in scripts the translations may lack, drawn from Unicode blocks (names from unicodedata)."""
    named = lambda c: unicodedata.name(c, "") != ""  # noqa: E731 - assigned characters only
    blocks = {
        "cjk": [(0x4E00, 0x9FFF)], "hiragana": [(0x3041, 0x3096)], "katakana": [(0x30A1, 0x30FA)],
        "hangul": [(0xAC00, 0xD7A3)], "arabic": [(0x0621, 0x064A)], "hebrew": [(0x05D0, 0x05EA)],
        "devanagari": [(0x0905, 0x0939), (0x093E, 0x094D)], "thai": [(0x0E01, 0x0E3A), (0x0E40, 0x0E4E)],
        "cyrillic": [(0x0410, 0x044F)], "greek": [(0x0391, 0x03C9)], "fullwidth": [(0xFF01, 0xFF5E)],
        "math": [(0x2200, 0x22FF), (0x1D400, 0x1D4FF)], "combining": [(0x0300, 0x036F)],
        "arrows": [(0x2190, 0x21FF)], "box": [(0x2500, 0x257F)], "currency": [(0x20A0, 0x20C0)],
    }
    tables = {k: chars_of(named, v) for k, v in blocks.items()}
    out = []
    base = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    for _ in range(count):
        kind = rng.choice(sorted(tables))
        words = []
        for _ in range(rng.randint(1, 10)):
            n = rng.randint(1, 8)
            if kind == "combining":  # letters carrying 1-3 combining marks
                w = "".join(rng.choice(base) + "".join(rng.choice(tables[kind]) for _ in range(rng.randint(1, 3)))
                            for _ in range(n))
            else:
                w = "".join(rng.choice(tables[kind]) for _ in range(n))
            words.append(w)
        sep = "" if kind in ("cjk", "hiragana", "katakana", "thai") and rng.random() < 0.5 else " "
        out.append(sep.join(words))
    return out


def emoji(rng, count):
    singles = chars_of(lambda c: unicodedata.name(c, "") != "", [(0x1F300, 0x1F5FF), (0x1F600, 0x1F64F),
                                                                 (0x1F680, 0x1F6FF), (0x1F900, 0x1F9FF)])
    tones = [chr(c) for c in range(0x1F3FB, 0x1F400)]
    regional = [chr(c) for c in range(0x1F1E6, 0x1F200)]
    zwj = ["\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466", "\U0001F469\u200D\U0001F4BB",
           "\U0001F3F3\uFE0F\u200D\U0001F308", "\U0001F636\u200D\U0001F32B\uFE0F", "\u2764\uFE0F\u200D\U0001F525",
           "\U0001F9D1\U0001F3FD\u200D\U0001F680", "\U0001F441\uFE0F\u200D\U0001F5E8\uFE0F"]
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 6)):
            k = rng.randrange(5)
            if k == 0:
                parts.append(rng.choice(singles))
            elif k == 1:
                parts.append(rng.choice(["\U0001F44D", "\U0001F44B", "\u270B", "\U0001F9D1"]) + rng.choice(tones))
            elif k == 2:
                parts.append(rng.choice(regional) + rng.choice(regional))
            elif k == 3:
                parts.append(rng.choice(zwj))
            else:
                parts.append(rng.choice(["ok", "yes!", "lol", "👉 see", "done", "🚀 launch", "#1"]))
        out.append(rng.choice(["", " "]).join(parts))
    return out


def nfd_and_forms(texts, rng, count):
    """Decomposed (NFD/NFKD) and full-width versions of real sentences."""
    out = []
    sample = [t for t in texts if any(ord(c) > 127 for c in t)] or texts
    for _ in range(min(count, len(sample))):
        t = rng.choice(sample)[:400]
        out.append(unicodedata.normalize(rng.choice(["NFD", "NFKD", "NFKC"]), t))
    ascii_texts = [t for t in texts if t.isascii()] or ["Hello, World 123"]
    for _ in range(count // 4):
        t = rng.choice(ascii_texts)[:200]
        out.append("".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in t))
    return out


def english_bits(rng, words, count):
    contractions = ["I'M", "you'LL", "we'Ve", "they'RE", "she'S", "it's", "don't", "I'd", "'tis", "O'Neill",
                    "can't", "WON'T", "y'all", "he'D", "'Tis", "we'll", "rock 'n' roll", "'s", "x'LL"]
    urls = ["https://example.org/a/b?c=1&d=%20e#frag", "http://localhost:8080/api/v1/models",
            "ftp://ftp.debian.org/debian/", "mailto:someone@example.com", "file:///usr/share/doc/README",
            "https://huggingface.co/nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16/resolve/main/config.json"]
    # Special and added tokens of the reference vocabularies written in text (chat transcripts, docs about
    # them): the tokenizers must split them out exactly where the reference does.
    specials = ["<s>", "</s>", "<unk>", "<pad>", "<mask>", "<bos>", "<eos>", "<|endoftext|>", "<|im_start|>",
                "<|im_end|>", "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>",
                "[INST]", "[/INST]", "<start_of_turn>", "<end_of_turn>", "<think>", "</think>", "<tool_call>",
                "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|endofprompt|>", "<SPECIAL_12>",
                "<\uff5cbegin\u2581of\u2581sentence\uff5c>".encode().decode("unicode_escape"),
                "<\uff5cUser\uff5c>".encode().decode("unicode_escape"), "<|im_start", "im_end|>", "<<s>>"]
    out = []
    for _ in range(count):
        k = rng.randrange(5)
        if k == 4:
            parts = []
            for _ in range(rng.randint(1, 8)):
                parts.append(rng.choice(specials))
                parts.append(rng.choice(["", " ", "\n", "  ", "\n\n"]))
                if rng.random() < 0.7:
                    parts.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 6))))
                    parts.append(rng.choice(["", " ", "\n"]))
            out.append("".join(parts))
            continue
        if k == 0:  # about a third of the words are contractions, in every case
            out.append(" ".join(rng.choice(contractions if rng.random() < 0.3 else words)
                                for _ in range(rng.randint(3, 15))))
        elif k == 1:
            out.append(f"See {rng.choice(urls)} or {rng.choice(urls)}.")
        elif k == 2:
            obj = {rng.choice(words): rng.choice([rng.randint(-9999, 9999), rng.random(), rng.choice(words), None,
                                                  True, [1, 2, {"k": "v"}]]) for _ in range(rng.randint(1, 6))}
            out.append(json.dumps(obj, indent=rng.choice([None, 2, "\t"]), ensure_ascii=rng.random() < 0.5))
        else:
            out.append("".join(rng.choice(["<", ">", "</", "/>", "{{", "}}", "<|", "|>", "```", "---", "==", "!=",
                                           "&&", "||", "->", "=>", "::", "...", "?!", "''", '""', "\\n"])
                               for _ in range(rng.randint(2, 20))))
    return out


def long_lines(texts, rng, count):
    out = []
    for _ in range(count):
        out.append(" ".join(rng.choice(texts) for _ in range(rng.randint(40, 300))).replace("\n", " ")[:30000])
    out.append("a" * 5000)
    out.append(" " * 3000 + "x")
    out.append("1234567890" * 400)
    out.append("ab" * 3000)
    return out


def build(seed, min_lines, min_bytes):
    rng = random.Random(seed)
    entries = []
    entries += translations(rng, per_catalog=6)
    natural = list(entries)
    docs = documentation(rng, max_files=60)
    entries += docs
    entries += source_code(rng, max_files=40)
    words = sorted({w for t in natural + docs for w in t.split() if w.isalpha() and len(w) < 20})[:20000]
    words = words or ["hello", "world", "token", "Nemotron"]
    entries += numbers(rng, 1200)
    entries += whitespace(rng, words, 900)
    entries += scripts(rng, 1200)
    entries += emoji(rng, 700)
    entries += nfd_and_forms(natural, rng, 700)
    entries += english_bits(rng, words, 1200)
    entries += long_lines(natural + docs or words, rng, 20)
    # Top up from more documentation and source until the minimums are met (the benchmark wants MBs).
    extra_round = 0
    while (len(set(entries)) < min_lines or sum(len(e.encode()) for e in set(entries)) < min_bytes) \
            and extra_round < 40:
        extra_round += 1  # small steps, so the result lands just above the minimum
        before = len(set(entries))
        entries += documentation(random.Random(seed + extra_round), max_files=25 * extra_round)
        entries += source_code(random.Random(seed + 100 + extra_round), max_files=10 * extra_round)
        entries += translations(random.Random(seed + 200 + extra_round), per_catalog=2 * extra_round)
        if len(set(entries)) == before:
            break
    unique = sorted(set(e for e in entries if e))  # sorted first: set order must not leak into the result
    random.Random(seed).shuffle(unique)
    return unique


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--min-lines", type=int, default=12000)
    ap.add_argument("--min-bytes", type=int, default=0)
    ap.add_argument("--seed", type=int, default=20261126)
    args = ap.parse_args()
    entries = build(args.seed, args.min_lines, args.min_bytes)
    total = sum(len(e.encode()) for e in entries)
    if len(entries) < args.min_lines or total < args.min_bytes:
        print(f"corpus: only {len(entries)} entries / {total} bytes from this machine's text; need at least "
              f"{args.min_lines} entries and {args.min_bytes} bytes (install documentation/locales or lower "
              f"--min-lines/--min-bytes)", file=sys.stderr)
        return 1
    tmp = f"{args.out}.{os.getpid()}.tmp"  # parallel test processes may build it at once
    with io.open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for e in entries:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    os.replace(tmp, args.out)
    print(f"corpus: {len(entries)} entries, {total / 1e6:.2f} MB -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
