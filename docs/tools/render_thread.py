"""Render one demo diagnosis as a Slack-like screenshot for the README.

Runs `crashloop-bot demo --output blocks`, picks one pod's thread by the root message's
text, adds the buttons the bot attaches when it posts (the demo prints the messages
without them), writes a self-contained HTML page that imitates Slack's channel and
thread panes, and screenshots it with headless Chromium. Needs Debian's `chromium`,
`fonts-lato` and `fonts-noto-color-emoji`; `pngquant` is used if present.

    .venv/bin/python docs/tools/render_thread.py
    .venv/bin/python docs/tools/render_thread.py --html /tmp/thread.html  # keep the page
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.slack.actions import diagnosis_actions
from bot.target import Target

REPO = Path(__file__).resolve().parents[2]
DEFAULT_POD = "orders/order-service-2gb7cs5m5-mbbps"
DEFAULT_OUT = REPO / "docs" / "images" / "slack-thread.png"
WIDTH = 1400
CHANNEL = "k8s-alerts"
BOT_NAME = "crashloop-bot"
POSTED_AT = "10:14 AM"

Block = dict[str, Any]
Message = dict[str, Any]

# The shortcodes the bot and its rules use, plus a few common ones.
EMOJI = {
    "red_circle": "\N{LARGE RED CIRCLE}",
    "large_orange_circle": "\N{LARGE ORANGE CIRCLE}",
    "large_yellow_circle": "\N{LARGE YELLOW CIRCLE}",
    "white_circle": "\N{MEDIUM WHITE CIRCLE}",
    "information_source": "\N{INFORMATION SOURCE}\N{VARIATION SELECTOR-16}",
    "warning": "\N{WARNING SIGN}\N{VARIATION SELECTOR-16}",
    "white_check_mark": "\N{WHITE HEAVY CHECK MARK}",
    "no_entry": "\N{NO ENTRY}",
    "rotating_light": "\N{POLICE CARS REVOLVING LIGHT}",
    "question": "\N{BLACK QUESTION MARK ORNAMENT}",
    "mute": "\N{SPEAKER WITH CANCELLATION STROKE}",
    "mag": "\N{LEFT-POINTING MAGNIFYING GLASS}",
    "lock": "\N{LOCK}",
    "hourglass": "\N{HOURGLASS}",
    "heavy_plus_sign": "\N{HEAVY PLUS SIGN}",
    "electric_plug": "\N{ELECTRIC PLUG}",
    "arrows_counterclockwise": "\N{ANTICLOCKWISE DOWNWARDS AND UPWARDS OPEN CIRCLE ARROWS}",
    "twisted_rightwards_arrows": "\N{TWISTED RIGHTWARDS ARROWS}",
    "fire": "\N{FIRE}",
    "bulb": "\N{ELECTRIC LIGHT BULB}",
    "x": "\N{CROSS MARK}",
}


# --- the messages ------------------------------------------------------------------


def demo_threads() -> list[list[Message]]:
    """Every thread of the bundled example cluster, as the demo prints them."""
    exe = Path(sys.executable).with_name("crashloop-bot")
    cmd = [str(exe) if exe.exists() else "crashloop-bot", "demo", "--output", "blocks"]
    out = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True).stdout
    threads: list[list[Message]] = json.loads(out)
    return threads


def pick(threads: list[list[Message]], pod: str) -> list[Message]:
    for thread in threads:
        if thread and str(thread[0].get("text", "")).startswith(f"{pod} "):
            return thread
    roots = ", ".join(str(t[0].get("text", "")).split(" ")[0] for t in threads if t)
    raise SystemExit(f"no thread for {pod} in the demo output (pods: {roots})")


def with_buttons(root: Message, pod: str) -> Message:
    """The root message as the bot posts it: with the buttons and the silence menu."""
    blocks: list[Block] = list(root.get("blocks", []))
    if any(b.get("type") == "actions" for b in blocks):
        return root
    namespace, _, name = pod.partition("/")
    container = re.search(r"\(container ([\w.-]+)\)", str(root.get("text", "")))
    context = " ".join(
        str(e.get("text", ""))
        for b in blocks
        if b.get("type") == "context"
        for e in b.get("elements", [])
    )
    cluster = re.search(r"\bcluster ([\w.-]+)", context)
    target = Target(
        namespace,
        name,
        container.group(1) if container else None,
        cluster.group(1) if cluster else None,
    )
    actions = diagnosis_actions(target, silence=True)
    return {**root, "blocks": [*blocks, {"type": "actions", "elements": actions}]}


# --- mrkdwn ------------------------------------------------------------------------

FENCE = re.compile(r"```(.*?)```", re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"<((?:https?://|mailto:|[@#!])[^<>|\s]+)(?:\|([^<>]*))?>")
BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
TOKEN = re.compile(r"\x00(\d+)\x00")


def slack_unescape(text: str) -> str:
    """Slack's own escapes (&amp; &lt; &gt;) back to characters, before HTML escaping."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def text_html(text: str) -> str:
    return html.escape(slack_unescape(text), quote=False)


def emoji_html(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        char = EMOJI.get(m.group(1))
        return f'<span class="emoji">{char}</span>' if char else m.group(0)

    return SHORTCODE.sub(sub, text)


def mrkdwn(text: str) -> str:
    """A small subset of Slack's mrkdwn as HTML; everything else is escaped text.

    Code blocks, inline code and links are cut out first (their content is not
    formatted), the rest is escaped, then bold, italic, strikethrough and emoji are
    applied, and the cut-out pieces are put back.
    """
    pieces: list[str] = []

    def keep(fragment: str) -> str:
        pieces.append(fragment)
        return f"\x00{len(pieces) - 1}\x00"

    def fence(m: re.Match[str]) -> str:
        body = m.group(1).strip("\n")
        return keep(f'<pre class="code">{text_html(body)}</pre>')

    def inline(m: re.Match[str]) -> str:
        return keep(f"<code>{text_html(m.group(1))}</code>")

    def link(m: re.Match[str]) -> str:
        url, label = m.group(1), m.group(2)
        if url.startswith(("@", "#", "!")):
            shown = label or (f"@{url[1:]}" if url.startswith("!") else url)
            prefix = "" if shown.startswith(("@", "#")) or url[0] == "!" else url[0]
            return keep(f'<span class="mention">{text_html(prefix + shown)}</span>')
        shown = inline_format(text_html(label)) if label else text_html(url)
        return keep(f'<a href="{html.escape(slack_unescape(url))}">{shown}</a>')

    text = FENCE.sub(fence, text)
    text = INLINE_CODE.sub(inline, text)
    text = LINK.sub(link, text)
    out = inline_format(text_html(text))
    # A code block is a block: the line breaks around it are its margins.
    out = re.sub(r"\n?(\x00\d+\x00)\n?", _block_aware(pieces), out)
    return TOKEN.sub(lambda m: pieces[int(m.group(1))], out)


def _block_aware(pieces: list[str]) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        token = m.group(1)
        index = int(token.strip("\x00"))
        return token if pieces[index].startswith("<pre") else m.group(0)

    return sub


def inline_format(escaped: str) -> str:
    out = BOLD.sub(r"<b>\1</b>", escaped)
    out = ITALIC.sub(r"<i>\1</i>", out)
    out = STRIKE.sub(r"<s>\1</s>", out)
    return emoji_html(out)


# --- blocks ------------------------------------------------------------------------


def plain(obj: dict[str, Any] | None) -> str:
    if not obj:
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn(text)
    return emoji_html(html.escape(text, quote=False)) if obj.get("emoji", True) else text


def element_html(e: dict[str, Any]) -> str:
    kind = e.get("type")
    if kind == "button":
        style = e.get("style")
        cls = f"button {style}" if style in ("primary", "danger") else "button"
        return f'<span class="{cls}">{plain(e.get("text"))}</span>'
    if kind in ("static_select", "overflow", "users_select", "channels_select"):
        label = plain(e.get("initial_option", {}).get("text") or e.get("placeholder"))
        return f'<span class="select"><span>{label}</span><span class="chevron"></span></span>'
    if kind == "image":
        return f'<img class="ctx-img" src="{html.escape(str(e.get("image_url", "")))}" alt="">'
    return f"<span>{plain(e)}</span>"


def block_html(b: Block) -> str:
    kind = b.get("type")
    if kind == "section":
        parts = []
        if b.get("text"):
            parts.append(f'<div class="mrkdwn">{plain(b["text"])}</div>')
        if b.get("fields"):
            cells = "".join(f'<div class="mrkdwn">{plain(f)}</div>' for f in b["fields"])
            parts.append(f'<div class="fields">{cells}</div>')
        body = "".join(parts)
        if b.get("accessory"):
            body = f'<div class="grow">{body}</div>{element_html(b["accessory"])}'
        return f'<div class="block section">{body}</div>'
    if kind == "context":
        items = "".join(element_html(e) for e in b.get("elements", []))
        return f'<div class="block context">{items}</div>'
    if kind == "actions":
        items = "".join(element_html(e) for e in b.get("elements", []))
        return f'<div class="block actions">{items}</div>'
    if kind == "divider":
        return '<div class="block divider"></div>'
    if kind == "header":
        return f'<div class="block header">{plain(b.get("text"))}</div>'
    return ""


AVATAR = (
    '<div class="avatar{size}"><svg viewBox="0 0 24 24" aria-hidden="true">'
    '<path d="M19 12a7 7 0 1 1-2.05-4.95" fill="none" stroke="#fff" stroke-width="2.4"'
    ' stroke-linecap="round"/><path d="M17.6 3.6v4.2h-4.2" fill="none" stroke="#fff"'
    ' stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/>'
    '<circle cx="12" cy="12" r="2.1" fill="#fff"/></svg></div>'
)


def message_html(msg: Message, *, footer: str = "", time: str = POSTED_AT) -> str:
    blocks = "".join(block_html(b) for b in msg.get("blocks", []))
    if not blocks:
        blocks = f'<div class="block section"><div class="mrkdwn">{mrkdwn(msg["text"])}</div></div>'
    return (
        '<div class="message">' + AVATAR.format(size="") + '<div class="content"><div class="meta">'
        f'<span class="name">{BOT_NAME}</span><span class="badge">APP</span>'
        f'<span class="time">{time}</span></div>'
        f"{blocks}{footer}</div></div>"
    )


def replies_link(count: int) -> str:
    word = "reply" if count == 1 else "replies"
    return (
        '<div class="replies">'
        + AVATAR.format(size=" small")
        + f'<span class="count">{count} {word}</span>'
        f'<span class="last">Last reply today at {POSTED_AT}</span></div>'
    )


def page(thread: list[Message]) -> str:
    root, replies = thread[0], thread[1:]
    n = len(replies)
    word = "reply" if n == 1 else "replies"
    thread_body = "".join(message_html(m) for m in replies)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crashloop-bot thread</title>
<style>{CSS}</style></head>
<body><div class="app" id="app">
<div class="topbar"><div class="search">Search</div></div>
<div class="panes">
<section class="pane channel">
<header><span class="title"># {CHANNEL}</span></header>
<div class="scroll">
<div class="day"><span>Today</span></div>
{message_html(root, footer=replies_link(n))}
</div>
<div class="composer">Message #{CHANNEL}</div>
</section>
<section class="pane thread">
<header><span class="title">Thread</span><span class="sub"># {CHANNEL}</span>
<span class="close">&times;</span></header>
<div class="scroll">
{message_html(root)}
<div class="sep"><span>{n} {word}</span></div>
{thread_body}
</div>
<div class="composer">Reply&hellip;</div>
</section>
</div></div>
<script>
document.documentElement.dataset.height =
  String(Math.ceil(document.getElementById("app").getBoundingClientRect().height));
</script>
</body></html>
"""


CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; background: #fff; }
body { font: 15px/1.46668 Lato, "DejaVu Sans", "Noto Color Emoji", sans-serif;
  color: #1d1c1d; -webkit-font-smoothing: antialiased; }
.app { width: 100%; display: flex; flex-direction: column; }
.topbar { height: 44px; background: #3f0e40; display: flex; align-items: center;
  justify-content: center; }
.search { width: 560px; height: 26px; border-radius: 6px; background: #5d3a5e;
  color: #d8c8d8; font-size: 13px; line-height: 26px; padding: 0 12px; }
.panes { display: flex; align-items: stretch; }
.pane { display: flex; flex-direction: column; }
.channel { width: 560px; border-right: 1px solid #dddddd; }
.thread { flex: 1; min-width: 0; }
header { height: 50px; display: flex; align-items: center; gap: 8px; padding: 0 20px;
  border-bottom: 1px solid #dddddd; }
header .title { font-weight: 900; font-size: 18px; }
header .sub { color: #616061; font-size: 13px; }
header .close { margin-left: auto; color: #616061; font-size: 24px; }
.scroll { flex: 1; padding: 8px 0 12px; }
.day { position: relative; text-align: center; margin: 8px 0 4px; }
.day::before { content: ""; position: absolute; left: 0; right: 0; top: 50%;
  border-top: 1px solid #dddddd; }
.day span { position: relative; background: #fff; border: 1px solid #dddddd;
  border-radius: 24px; padding: 2px 16px; font-size: 13px; font-weight: 700; }
.sep { display: flex; align-items: center; gap: 12px; margin: 6px 20px; color: #616061;
  font-size: 13px; }
.sep::after { content: ""; flex: 1; border-top: 1px solid #dddddd; }
.message { display: flex; gap: 8px; padding: 8px 20px; }
.avatar { flex: none; width: 36px; height: 36px; border-radius: 6px; margin-top: 2px;
  background: linear-gradient(135deg, #e01e5a, #b3134a); display: flex;
  align-items: center; justify-content: center; }
.avatar svg { width: 24px; height: 24px; }
.avatar.small { width: 24px; height: 24px; border-radius: 4px; margin: 0; }
.avatar.small svg { width: 16px; height: 16px; }
.content { flex: 1; min-width: 0; }
.meta { display: flex; align-items: baseline; gap: 4px; line-height: 22px; }
.name { font-weight: 900; }
.badge { align-self: center; background: rgba(29,28,29,.13); color: rgba(29,28,29,.7);
  font-size: 10px; font-weight: 700; line-height: 14px; padding: 0 3px;
  border-radius: 2px; }
.time { color: #616061; font-size: 12px; margin-left: 2px; }
.block { margin: 2px 0 4px; }
.section { display: flex; gap: 12px; }
.grow { flex: 1; min-width: 0; }
.mrkdwn { white-space: pre-wrap; overflow-wrap: anywhere; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; }
b { font-weight: 900; }
a { color: #1264a3; text-decoration: none; }
.mention { color: #1264a3; background: rgba(29,155,209,.1); border-radius: 3px;
  padding: 0 2px; }
code { font: 12px/1.5 "DejaVu Sans Mono", monospace; color: #e01e5a;
  background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13);
  border-radius: 3px; padding: 1px 3px; overflow-wrap: anywhere; }
pre.code { font: 12px/1.5 "DejaVu Sans Mono", monospace; margin: 4px 0;
  padding: 8px; background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13);
  border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; color: #1d1c1d; }
.emoji { font-family: "Noto Color Emoji"; font-size: 15px; line-height: 1;
  vertical-align: -1px; }
.context { display: flex; flex-wrap: wrap; gap: 8px; color: #616061; font-size: 12px;
  line-height: 18px; }
.context .emoji { font-size: 12px; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.button, .select { display: inline-flex; align-items: center; height: 28px;
  padding: 0 12px; border: 1px solid rgba(29,28,29,.3); border-radius: 4px;
  font-size: 13px; font-weight: 700; background: #fff; white-space: nowrap; }
.button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.button.danger { background: #e01e5a; border-color: #e01e5a; color: #fff; }
.select { font-weight: 400; color: #616061; gap: 24px; }
.chevron { width: 7px; height: 7px; border-right: 2px solid #616061;
  border-bottom: 2px solid #616061; transform: rotate(45deg) translateY(-2px); }
.divider { border-top: 1px solid #dddddd; margin: 12px 0; }
.header { font-size: 18px; font-weight: 900; }
.replies { display: flex; align-items: center; gap: 8px; margin-top: 6px;
  font-size: 13px; }
.replies .count { color: #1264a3; font-weight: 700; }
.replies .last { color: #616061; }
.composer { margin: 0 20px 20px; height: 42px; border: 1px solid #bbbabb;
  border-radius: 8px; padding: 0 12px; line-height: 40px; color: #868686;
  font-size: 15px; }
"""


# --- the screenshot ----------------------------------------------------------------


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("headless Chromium is needed: apt-get install -y chromium")


def run_chromium(args: list[str], height: int) -> str:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            chromium(),
            "--headless",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{height}",
            *args,
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(2, "--no-sandbox")
        done = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)
        return done.stdout


def measure(page_url: str) -> int:
    dom = run_chromium(["--dump-dom", page_url], 1000)
    found = re.search(r'data-height="(\d+)"', dom)
    if not found:
        raise SystemExit("could not measure the page height")
    return int(found.group(1))


def screenshot(page_path: Path, out: Path) -> None:
    url = page_path.resolve().as_uri()
    height = measure(url)
    out.parent.mkdir(parents=True, exist_ok=True)
    run_chromium([f"--screenshot={out.resolve()}", url], height)
    quantizer = shutil.which("pngquant")
    if quantizer:
        subprocess.run(
            [
                quantizer,
                "--force",
                "--skip-if-larger",
                "--quality=70-95",
                "--output",
                str(out),
                str(out),
            ],
            check=False,
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--pod", default=DEFAULT_POD, help="namespace/name of the demo pod")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the PNG to write")
    p.add_argument("--html", type=Path, help="also keep the HTML page here")
    args = p.parse_args(argv)

    thread = pick(demo_threads(), args.pod)
    thread = [with_buttons(thread[0], args.pod), *thread[1:]]
    document = page(thread)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.html or Path(tmp) / "thread.html"
        path.write_text(document, encoding="utf-8")
        screenshot(path, args.out)
    print(f"{args.out} ({args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
