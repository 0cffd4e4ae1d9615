"""`govwatch extract FILE... [--url URL] --jsonl`: run the extraction engine over saved pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from crawler.challenge import detect_challenge
from crawler.cli.app import app
from crawler.extract import ExtractionError, ExtractOptions, extract

# The fields of one output object, in order; `error` replaces the extraction fields for unreadable files.
OUTPUT_FIELDS = (
    "file", "url", "title", "published", "source", "organ", "doc_number", "kind", "meeting", "truncated",
    "masked", "encoding", "script", "text", "text_simplified", "attachments",
)


def extract_file(path: str, url: str | None, options: ExtractOptions | None = None) -> dict:
    """One output object for one file: the extraction, or {file, url, error} (a challenge page is an error)."""
    try:
        content = Path(path).read_bytes()
    except OSError as err:
        return {"file": path, "url": url, "error": f"cannot read: {err.strerror or err}"}
    # A saved page is what a 200 answer held: the crawl's own check keeps a WAF's page from passing as an article.
    if (challenge := detect_challenge(200, content)) is not None:
        return {"file": path, "url": url, "error": f"not an article: {challenge.reason}"}
    try:
        result = extract(content, url=url, options=options)
    except ExtractionError as err:
        return {"file": path, "url": url, "error": str(err)}
    data = result.to_dict()
    out = {"file": path, "url": url}
    out.update({key: data[key] for key in OUTPUT_FIELDS[2:]})
    out["published_guessed"] = data["published_guessed"]
    out["published_alternatives"] = data["published_alternatives"]
    out["column"] = data["column"]
    return out


@app.command("extract")
def extract_command(
    files: Annotated[list[str], typer.Argument(help="Saved HTML pages to extract.")],
    url: Annotated[str | None, typer.Option("--url", help="The page's URL (URL dates, absolute attachment links).")] = None,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per line.")] = False,
    encoding: Annotated[str | None, typer.Option("--encoding", help="Force this encoding instead of detecting it.")] = None,
) -> None:
    """Extract clean text and metadata from saved pages; a file that fails gives an object with `error`."""
    options = ExtractOptions(encoding=encoding) if encoding else None
    for path in files:
        obj = extract_file(path, url, options)
        if jsonl:
            typer.echo(json.dumps(obj, ensure_ascii=False))
        else:
            typer.echo(json.dumps(obj, ensure_ascii=False, indent=2))
