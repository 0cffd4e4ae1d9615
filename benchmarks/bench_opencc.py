"""OpenCC benchmark: the official binding (`opencc`, C++) against `opencc-python-reimplemented` (pure Python).

Both install a module named `opencc`, so they cannot share one environment: each runs from its own folder
(`pip install --target`, made on first use under var/bench-opencc/) in a child process fed the very same
corpus and phrase table. Measured side by side, in one run:
- correctness: traditional → simplified on a table of tricky phrases (one traditional form for two
  simplified ones, words that keep their form, phrase-level rules);
- speed: t2s over a realistic traditional corpus, converted line by line as crawler/chinese.py does:
  the simulator's articles as its big5 mirror serves them, plus ../shared/extraction-dev texts when present
  (read at bench time, never copied);
- start-up: building the converter (dictionary loading), paid once per crawl process.

Run with `python benchmarks/bench_opencc.py` (make bench-opencc).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GOVWATCH_SHARED", ROOT.parent / "shared"))
BENCH_DIR = ROOT / "var" / "bench-opencc"
# name → (pip requirement, folder); the baseline (the library govwatch used before) first.
LIBRARIES = {
    "opencc-python-reimplemented": ("opencc-python-reimplemented>=0.1.7", "reimplemented"),
    "opencc (official binding)": ("opencc>=1.1.9", "official"),
}

# traditional → expected simplified. Each row is a known trap of character-by-character conversion.
TRICKY: tuple[tuple[str, str], ...] = (
    ("關於生態環境保護的通知", "关于生态环境保护的通知"),
    ("乾燥的天氣", "干燥的天气"),
    ("乾隆年間", "乾隆年间"),  # a name: 乾 stays
    ("回覆意見", "回复意见"),  # 覆 → 复 only in this phrase
    ("覆蓋全省", "覆盖全省"),  # …and stays elsewhere
    ("頭髮", "头发"),
    ("發展規劃", "发展规划"),
    ("瞭解情況", "了解情况"),
    ("後來", "后来"),
    ("皇后", "皇后"),
    ("製造業", "制造业"),
    ("範圍", "范围"),
    ("鬱鬱蔥蔥", "郁郁葱葱"),
    ("於是", "于是"),
    ("裡面", "里面"),
    ("麵條", "面条"),
    ("衝突", "冲突"),
    ("鐘錶", "钟表"),
    ("歷史", "历史"),
    ("日曆", "日历"),
    ("著名", "著名"),
    ("一隻", "一只"),
    ("隻身", "只身"),
    ("乾淨", "干净"),
    ("生態環境廳黨組書記主持召開會議", "生态环境厅党组书记主持召开会议"),
    ("污染防治攻堅戰", "污染防治攻坚战"),
    ("聯繫方式", "联系方式"),
    ("臺灣", "台湾"),
    ("蘋果", "苹果"),
    ("醜陋", "丑陋"),
)


def corpus() -> list[str]:
    """Traditional lines: the simulator's article paragraphs through its own big5 mirror's s2t, and the
    shared development texts likewise when they are there."""
    sys.path.insert(0, str(ROOT))
    import opencc  # the current library, as the simulator's mirror uses it

    from crawler.simulator.web import DEFAULT_SITES
    from crawler.simulator.world import World

    s2t = opencc.OpenCC("s2t")
    world = World(tuple(DEFAULT_SITES), date(2026, 11, 1), seed=7)
    world.advance_to(30)
    simplified = [p for article in world.articles.values() for p in article.paragraphs(30)]
    dev = SHARED / "extraction-dev"
    if dev.is_dir():
        for path in sorted(dev.glob("*/*.txt")):
            simplified.extend(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [s2t.convert(line) for line in simplified]


def measure(lines: list[str], repeat: int) -> dict[str, object]:
    """Run inside the environment of one library: start-up, phrase table, and t2s over the corpus."""
    started = time.perf_counter()
    import opencc

    converter = opencc.OpenCC("t2s")
    converter.convert("關於生態環境保護的通知")  # a lazy library loads its dictionaries here
    startup = time.perf_counter() - started
    wrong = [(t, s, converter.convert(t)) for t, s in TRICKY if converter.convert(t) != s]
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        out = [converter.convert(line) for line in lines]
        best = min(best, time.perf_counter() - started)
    return {
        "module": opencc.__file__,
        "startup_s": startup,
        "convert_s": best,
        "chars": sum(len(line) for line in lines),
        "wrong": wrong,
        "output": out,
    }


def library_path(requirement: str, folder: str) -> Path:
    """The folder holding one library alone, installed there with pip on first use."""
    target = BENCH_DIR / folder
    if not (target / "opencc" / "__init__.py").is_file():
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), requirement],
            check=True,
        )
    return target


def run_worker(path: Path, lines: list[str], repeat: int) -> dict:  # type: ignore[type-arg]
    # -S: no site-packages, so the `opencc` found is the one in `path` and nothing else.
    child = subprocess.run(
        [sys.executable, "-S", __file__, "--worker", "--repeat", str(repeat)],
        input=json.dumps(lines, ensure_ascii=False), capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(path)},
    )
    return json.loads(child.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="best of N passes over the corpus")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:  # child: corpus on stdin, result on stdout
        lines = json.loads(sys.stdin.read())
        sys.stdout.write(json.dumps(measure(lines, args.repeat), ensure_ascii=False))
        return
    lines = corpus()
    results = {name: run_worker(library_path(*spec), lines, args.repeat) for name, spec in LIBRARIES.items()}
    print(f"corpus: {len(lines)} traditional lines, {sum(map(len, lines)):,} characters; best of {args.repeat}")
    print(f"{'library':30} {'start-up s':>10} {'t2s s':>8} {'chars/s':>12} {'tricky ok':>10}")
    for name, result in results.items():
        ok = len(TRICKY) - len(result["wrong"])
        print(f"{name:30} {result['startup_s']:>10.3f} {result['convert_s']:>8.3f} "
              f"{result['chars'] / result['convert_s']:>12,.0f} {ok:>6}/{len(TRICKY)}")
        for traditional, expected, got in result["wrong"]:
            print(f"    {traditional} → {got} (expected {expected})")
    baseline, candidate = results.values()
    print(f"ratio official/reimplemented: t2s {baseline['convert_s'] / candidate['convert_s']:.1f}× as fast, "
          f"start-up {candidate['startup_s'] / baseline['startup_s']:.1f}× as long")
    differing = [(a, b) for a, b in zip(baseline["output"], candidate["output"], strict=True) if a != b]
    print(f"corpus lines converted differently: {len(differing)}/{len(lines)}")
    for a, b in differing[:5]:
        print(f"    reimplemented: {a[:60]}\n    official:      {b[:60]}")

if __name__ == "__main__":
    main()
