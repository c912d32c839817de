#!/usr/bin/env python3
"""The fault table of issue 12, re-runnable: damaged checkpoints, mutated YAML, bad signal and price files,
SIGKILLs at random instants, and path cases — each run through the real `marketgpt` binary.

Usage: python3 scripts/fault_table.py [--binary .build/debug/marketgpt] [--scale 1.0] [--seed 12]
Prints one row per family (cases, crashes, hangs, unclear errors, lost or half-written outputs) and a total;
exits 1 when any count but `cases` is non-zero. `--scale 0.2` is a quick run.

Definitions
- crash: killed by a signal, exit code >= 128, or a Swift runtime trap / backtrace on stderr (each run is
  limited to 6 GB of address space, so an unbounded allocation also counts as a crash);
- hang: no exit within the time limit (180 s; the debug binary evaluates slowly);
- unclear error: a non-zero exit whose stderr is not exactly one line naming the file (or option) at fault;
- lost output: a good file changed by a failed run, a file written outside its root, a half-written pair
  (signals CSV without JSON, stray temporaries), or a killed-and-resumed run not bit-identical to a straight one.
"""
import argparse, json, os, random, resource, shutil, signal, struct, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 180

TINY = """model: {context_length: 16, features: 7, width: 16, layers: 1, heads: 2, mlp_ratio: 2, dropout: 0.1,
        asset_embedding_dropout: 0.1, horizon: 3, head: gaussian}
training: {batch_size: 8, learning_rate: 2.0e-3, warmup_steps: 2, total_steps: 40, eval_every: 4,
           eval_batches: 1, checkpoint_every: 2, log_every: 1, early_stopping_patience: 0, seed: 3,
           universe: demo.yaml, data: data}
"""


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))


class Table:
    def __init__(self):
        self.rows = {}

    def add(self, family, crash=False, hang=False, unclear=False, lost=False, note=""):
        row = self.rows.setdefault(family, {"cases": 0, "crashes": 0, "hangs": 0, "unclear": 0, "lost": 0, "examples": []})
        row["cases"] += 1
        for key, flag in (("crashes", crash), ("hangs", hang), ("unclear", unclear), ("lost", lost)):
            if flag:
                row[key] += 1
                if len(row["examples"]) < 3:
                    row["examples"].append(f"{key}: {note}")

    def print(self):
        print(f"{'family':28s} {'cases':>6s} {'crashes':>8s} {'hangs':>6s} {'unclear':>8s} {'lost':>5s}")
        total = {"cases": 0, "crashes": 0, "hangs": 0, "unclear": 0, "lost": 0}
        for name, row in self.rows.items():
            print(f"{name:28s} {row['cases']:6d} {row['crashes']:8d} {row['hangs']:6d} {row['unclear']:8d} {row['lost']:5d}")
            for example in row["examples"]:
                print(f"    {example[:300]}")
            for key in total:
                total[key] += row[key]
        print(f"{'total':28s} {total['cases']:6d} {total['crashes']:8d} {total['hangs']:6d} {total['unclear']:8d} {total['lost']:5d}")
        return total


def run(binary, args, cwd, timeout=TIMEOUT):
    """(returncode or None on timeout, stdout, stderr)."""
    try:
        p = subprocess.run([binary] + args, cwd=cwd, capture_output=True, timeout=timeout, preexec_fn=limit)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return None, "", ""


def judge(table, family, result, names, note):
    """Classifies one run: crash, hang or (for a failure) an error that is not one line naming one of `names`."""
    code, _, err = result
    if code is None:
        table.add(family, hang=True, note=note)
        return
    trap = "Fatal error" in err or "Stack dump" in err or "backtrace" in err.lower() or "Illegal instruction" in err
    crash = code < 0 or code >= 128 or trap
    lines = [l for l in err.strip().split("\n") if l.strip()]
    # A failing command prints its error as one `Error: …` line (after any progress lines of the work done so
    # far; for a usage error, before ArgumentParser's usage hint): judge that line.
    errors = [l for l in lines if l.startswith("Error:")]
    if errors:
        lines = errors
    failure = [l for l in lines if not l.startswith(("pretrain:", "evaluate:", "finetune:", "signals:", "backtest: wrote", "universe:")) or "error" in l.lower()]
    unclear = False
    if code != 0 and not crash:
        message = lines[-1] if lines else ""
        unclear = len(failure) != 1 or not any(n in message for n in names)
    table.add(family, crash=crash, unclear=unclear, note=f"{note} -> exit {code}: {err.strip()[-240:]!r}")


def tensor_bits(path):
    """{name: raw bytes} of a safetensors file (data section only)."""
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    start = 8 + n
    return {k: blob[start + v["data_offsets"][0]:start + v["data_offsets"][1]] for k, v in header.items() if k != "__metadata__"}


def snapshot(folder):
    out = {}
    for base, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(base, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = f.read()
    return out


def workspace(binary, root):
    shutil.copy(os.path.join(ROOT, "universes/demo.yaml"), os.path.join(root, "demo.yaml"))
    with open(os.path.join(root, "tiny.yaml"), "w") as f:
        f.write(TINY)
    code, _, err = run(binary, ["demo-data", "--universe", "demo.yaml", "--out", "data", "--seed", "4"], root)
    assert code == 0, err
    code, _, err = run(binary, ["pretrain", "--config", "tiny.yaml", "--run", "good", "--steps", "6"], root)
    assert code == 0, err


# ---------------------------------------------------------------- families

def damaged_checkpoints(binary, root, table, rng, count):
    good = os.path.join(root, "checkpoints/good/pretrained.safetensors")
    with open(good, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    kinds = ["flip", "truncate", "trailing", "bom", "length", "zero-header", "gap", "nan-byte"]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        data = bytearray(blob)
        if kind == "flip":
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif kind == "truncate":
            data = data[:rng.randrange(len(data))]
        elif kind == "trailing":
            data += bytes(rng.randint(1, 64))
        elif kind == "bom":
            data = data[:8] + b"\xef\xbb\xbf" + data[8:8 + n - 3] + data[8 + n:]
        elif kind == "length":
            data[0:8] = struct.pack("<Q", rng.choice([0, 1, n - 1, n + 1, 1 << 40, 2 ** 64 - 1]))
        elif kind == "zero-header":
            data[8:8 + n] = b" " * n
        elif kind == "gap":
            data = data[:8 + n] + bytes(4) + data[8 + n:]
        elif kind == "nan-byte":
            pos = 8 + n + 4 * rng.randrange((len(data) - 8 - n) // 4)
            data[pos:pos + 4] = struct.pack("<f", float("nan"))
        path = os.path.join(root, f"damaged-{i}.safetensors")
        with open(path, "wb") as f:
            f.write(data)
        result = run(binary, ["evaluate", "--checkpoint", path, "--config", "tiny.yaml", "--out", f"eval-{i}.json"], root)
        judge(table, "damaged checkpoints", result, [path], f"{kind} #{i}")
        os.remove(path)
    # A damaged checkpoint under --resume must leave the good one as it was (and name the file).
    for i in range(max(2, count // 20)):
        run_dir = os.path.join(root, f"checkpoints/resume{i}")
        shutil.copytree(os.path.join(root, "checkpoints/good"), run_dir)
        state = os.path.join(run_dir, "pretrained.state.safetensors")
        with open(state, "rb") as f:
            data = bytearray(f.read())
        data[rng.randrange(8, len(data))] ^= 0x40
        with open(state, "wb") as f:
            f.write(data)
        before = snapshot(run_dir)
        result = run(binary, ["pretrain", "--config", "tiny.yaml", "--run", f"resume{i}", "--steps", "10", "--resume"], root)
        judge(table, "damaged checkpoints", result, [state, "pretrained"], f"resume with damaged state #{i}")
        after = snapshot(run_dir)
        after.pop(".lock", None)
        if result[0] != 0 and after != before:
            table.rows["damaged checkpoints"]["lost"] += 1


def mutated_yaml(binary, root, table, rng, count):
    numbers = ["0", "-1", "1e9", "99999999999", "1000000", "2005", "1.5", "nan", "inf", "-inf", "1e308", "''", "[]", "{}", "null"]
    keys = {"model": ["context_length", "features", "width", "layers", "heads", "mlp_ratio", "horizon", "dropout"],
            "training": ["batch_size", "total_steps", "eval_batches", "eval_every", "checkpoint_every", "warmup_steps",
                         "learning_rate", "log_every", "seed", "clip_norm"]}
    cases = []
    for i in range(count):
        section = rng.choice(list(keys))
        key = rng.choice(keys[section])
        cases.append(("value", section, key, rng.choice(numbers)))
    cases += [("deep", None, None, None), ("deep-block", None, None, None), ("duplicate", None, None, None), ("huge", None, None, None)]
    for i, (kind, section, key, value) in enumerate(cases):
        path = os.path.join(root, f"mutated-{i}.yaml")
        if kind == "value":
            text = TINY.replace(f"{key}: ", f"{key}: {value}, _was_{key}: ", 1) if False else None
            lines = {"model": {"context_length": 16, "features": 7, "width": 16, "layers": 1, "heads": 2, "mlp_ratio": 2,
                               "horizon": 3, "dropout": 0.1},
                     "training": {"batch_size": 8, "total_steps": 40, "eval_every": 4, "eval_batches": 1, "checkpoint_every": 2,
                                  "warmup_steps": 2, "learning_rate": 0.002, "log_every": 1, "seed": 3, "clip_norm": 1.0,
                                  "universe": "demo.yaml", "data": "data"}}
            text = ""
            for s, fields in lines.items():
                text += f"{s}:\n"
                for k, v in fields.items():
                    text += f"  {k}: {value if (s, k) == (section, key) else v}\n"
            names = [path, key]
        elif kind == "deep":
            text = "model: " + "[" * 5000 + "]" * 5000 + "\n"
            names = [path]
        elif kind == "deep-block":
            text = "".join(" " * d + f"k{d}:\n" for d in range(5000)) + " " * 5000 + "x: 1\n"
            names = [path]
        elif kind == "duplicate":
            text = TINY + "model: {width: 32}\n"
            names = [path, "model"]
        else:
            text = TINY + "#" * (2 << 20) + "\n"
            names = [path]
        with open(path, "w") as f:
            f.write(text)
        result = run(binary, ["pretrain", "--config", path, "--run", f"yaml{i}", "--steps", "1"], root)
        judge(table, "mutated YAML configs", result, names, f"{kind} {section}.{key}={value}")
    # Universe files: history_years and friends.
    with open(os.path.join(root, "demo.yaml")) as f:
        universe = f.read()
    for i, value in enumerate(["1000000", "99999999999", "2005", "0", "-3", "nan", "1e308", "'x'"]):
        path = os.path.join(root, f"universe-{i}.yaml")
        with open(path, "w") as f:
            f.write(universe.replace("history_years: ", f"history_years: {value} #", 1))
        result = run(binary, ["universe", "--universe", path, "--data", "data"], root)
        judge(table, "mutated YAML configs", result, [path, "history_years"], f"universe history_years={value}")


def bad_signals_and_prices(binary, root, table, rng, count):
    data = os.path.join(root, "data")
    tickers = []
    for category in sorted(os.listdir(data)):
        folder = os.path.join(data, category)
        if os.path.isdir(folder):
            tickers += [(category, name[:-4]) for name in sorted(os.listdir(folder)) if name.endswith(".csv")][:2]
    tickers = tickers[:4]
    with open(os.path.join(data, tickers[0][0], tickers[0][1] + ".csv")) as f:
        rows = f.read().strip().split("\n")
    dates = [r.split(",")[0] for r in rows[1:]]
    base = ["date,ticker,category,signal"]
    for d in dates[-60:-1:5]:
        for category, ticker in tickers:
            base.append(f"{d},{ticker},{category},{rng.choice(['BUY', 'SELL', 'HOLD'])}")
    mutations = ["1900-01-01 row", "2999-01-01 row", "conflict", "garbage signal", "bad date", "missing column",
                 "empty", "binary", "../../x category", "spike price", "negative price", "nan price", "zero price",
                 "duplicate same", "unknown ticker", "huge row"]
    for i in range(count):
        kind = mutations[i % len(mutations)]
        case = os.path.join(root, f"bt-{i}")
        os.makedirs(case)
        shutil.copytree(data, os.path.join(case, "data"))
        lines = list(base)
        c, t = tickers[i % len(tickers)]
        if kind == "1900-01-01 row":
            lines.insert(1, f"1900-01-01,{t},{c},BUY")
        elif kind == "2999-01-01 row":
            lines.append(f"2999-01-01,{t},{c},SELL")
        elif kind == "conflict":
            parts = lines[5].split(",")
            lines.append(",".join(parts[:3] + ["SELL" if parts[3] == "BUY" else "BUY"]))
        elif kind == "garbage signal":
            lines.append(f"{dates[-2]},{t},{c},MAYBE")
        elif kind == "bad date":
            lines.append(f"2024-13-45,{t},{c},BUY")
        elif kind == "missing column":
            lines = ["date,ticker"] + [",".join(l.split(",")[:2]) for l in lines[1:]]
        elif kind == "empty":
            lines = []
        elif kind == "binary":
            lines = ["\x00\x01\x02" * 10]
        elif kind == "../../x category":
            lines.append(f"{dates[-2]},{t},../../x,BUY")
        elif kind == "duplicate same":
            lines.append(lines[3])
        elif kind == "unknown ticker":
            lines.append(f"{dates[-2]},NOPE,{c},BUY")
        elif kind == "huge row":
            lines.append(f"{dates[-2]},{t},{c},BUY," + "x" * 100000)
        else:
            price_file = os.path.join(case, "data", c, t + ".csv")
            with open(price_file) as f:
                prices = f.read().strip().split("\n")
            j = len(prices) - rng.randint(5, 40)
            fields = prices[j].split(",")
            value = {"spike price": "1e30", "negative price": "-5", "nan price": "nan", "zero price": "0"}[kind]
            fields[1:5] = [value] * 4
            prices[j] = ",".join(fields)
            with open(price_file, "w") as f:
                f.write("\n".join(prices) + "\n")
        signals = os.path.join(case, "signals.csv")
        with open(signals, "w") as f:
            f.write("\n".join(lines) + ("\n" if lines else ""))
        before = set(os.listdir(root))
        result = run(binary, ["backtest", "--signals", signals, "--data", os.path.join(case, "data"), "--out", os.path.join(case, "out")], root)
        judge(table, "bad signal and price files", result, [signals, "signal", "csv", t, "price"], kind)
        row = table.rows["bad signal and price files"]
        if result[0] == 0:
            with open(os.path.join(case, "out/metrics.json")) as f:
                metrics = json.load(f)
            tr = metrics.get("total_return")
            if tr is None or abs(tr) > 10:   # a silently distorted result counts as a lost (wrong) output
                row["lost"] += 1
                row["examples"].append(f"lost: {kind} total_return {tr}")
        elif os.path.exists(os.path.join(case, "out")) and os.listdir(os.path.join(case, "out")):
            row["lost"] += 1
        if set(os.listdir(root)) - before:
            row["lost"] += 1
        shutil.rmtree(case)


def path_cases(binary, root, table, rng):
    names = ["..", ".", "../escape", "a/b", "/tmp/abs", "", "x\ny", "a\\b", "..\\x", "\x01ctl", "../../x", "ok/../.."]
    outside = os.path.dirname(root)
    for i, name in enumerate(names):
        before = set(os.listdir(root)), set(os.listdir(outside))
        for command in (["pretrain", "--config", "tiny.yaml", "--steps", "1", "--run", name],
                        ["finetune", "--config", "tiny.yaml", "--category", "us_stocks", "--epochs", "0", "--run", name]):
            result = run(binary, command, root)
            judge(table, "path cases", result, ["--run", "run name", "run"], f"{command[0]} --run {name!r}")
            after = set(os.listdir(root)), set(os.listdir(outside))
            if (after[0] - before[0]) - {"checkpoints", "runs"} or after[1] != before[1] or result[0] == 0:
                table.rows["path cases"]["lost"] += 1
                table.rows["path cases"]["examples"].append(f"lost: {command[0]} --run {name!r} wrote outside / succeeded")
    # evaluate --out pointing at a folder: one line naming that folder, nothing written into it.
    folder = os.path.join(root, "an-existing-folder")
    os.makedirs(folder, exist_ok=True)
    result = run(binary, ["evaluate", "--checkpoint", "checkpoints/good/pretrained.safetensors", "--config", "tiny.yaml",
                          "--out", folder], root)
    judge(table, "path cases", result, [folder], "evaluate --out FOLDER")
    if os.listdir(folder) or result[0] == 0:
        table.rows["path cases"]["lost"] += 1
    with open(os.path.join(root, "demo.yaml")) as f:
        universe = f.read()
    first = universe.index("- name: ") + len("- name: ")
    end = universe.index("\n", first)
    for i, bad in enumerate(["../../x", "a/b", "..", "x\\y"]):
        path = os.path.join(root, f"evil-{i}.yaml")
        with open(path, "w") as f:
            f.write(universe[:first] + json.dumps(bad) + universe[end:])
        for command in (["demo-data", "--universe", path, "--out", f"evil-data-{i}"], ["universe", "--universe", path, "--data", "data"]):
            before = set(os.listdir(outside))
            result = run(binary, command, root)
            judge(table, "path cases", result, [path], f"{command[0]} category {bad!r}")
            if set(os.listdir(outside)) != before or os.path.exists(os.path.join(root, f"evil-data-{i}")):
                table.rows["path cases"]["lost"] += 1
        ticker_path = os.path.join(root, f"evil-ticker-{i}.yaml")
        with open(ticker_path, "w") as f:
            f.write(universe.replace('ticker: "AAPL"', f"ticker: {json.dumps(bad)}", 1))
        result = run(binary, ["universe", "--universe", ticker_path, "--data", "data"], root)
        judge(table, "path cases", result, [ticker_path], f"ticker {bad!r}")


def kills(binary, root, table, rng, count):
    steps = 24
    code, _, err = run(binary, ["pretrain", "--config", "tiny.yaml", "--run", "straight", "--steps", str(steps)], root)
    assert code == 0, err
    reference = {n: tensor_bits(os.path.join(root, "checkpoints/straight", n))
                 for n in ("pretrained.safetensors", "pretrained.state.safetensors")}

    def logged():
        try:
            with open(os.path.join(root, "runs/killed/metrics.jsonl")) as f:
                return max([json.loads(l)["step"] for l in f if l.strip()] or [0])
        except (OSError, ValueError):
            return 0

    done = 0
    while done < count:
        resume = os.path.exists(os.path.join(root, "checkpoints/killed/pretrained.safetensors"))
        p = subprocess.Popen([binary, "pretrain", "--config", "tiny.yaml", "--run", "killed", "--steps", str(steps),
                              "--resume" if resume else "--overwrite"], cwd=root,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=limit)
        target, delay = rng.randrange(steps - 2), rng.random() * 0.04
        deadline = time.time() + 120
        while p.poll() is None and logged() < target and time.time() < deadline:
            time.sleep(0.001)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        if p.returncode == -signal.SIGKILL:
            done += 1
            resume = os.path.exists(os.path.join(root, "checkpoints/killed/pretrained.safetensors"))
            check = run(binary, ["pretrain", "--config", "tiny.yaml", "--run", "killed", "--steps", str(steps),
                                 "--resume" if resume else "--overwrite"], root)
            judge(table, "SIGKILL at random instants", check, ["pretrain"], f"resume after kill {done}")
            if check[0] == 0:
                left = sorted(os.listdir(os.path.join(root, "checkpoints/killed")))
                bits = {n: tensor_bits(os.path.join(root, "checkpoints/killed", n)) for n in reference}
                if bits != reference or left != sorted(reference):
                    table.rows["SIGKILL at random instants"]["lost"] += 1
                    table.rows["SIGKILL at random instants"]["examples"].append(f"lost: kill {done}: files {left}")
            shutil.rmtree(os.path.join(root, "checkpoints/killed"), ignore_errors=True)
            shutil.rmtree(os.path.join(root, "runs/killed"), ignore_errors=True)
            # Next round: kill first, then resume once more from whatever survived (the loop restarts the run).


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/marketgpt"))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    rng = random.Random(args.seed)
    scale = lambda n: max(4, int(n * args.scale))
    table = Table()
    base = tempfile.mkdtemp(prefix="fault-table-")
    root = os.path.join(base, "work")
    os.makedirs(root)
    started = time.time()
    try:
        workspace(binary, root)
        damaged_checkpoints(binary, root, table, rng, scale(160))
        mutated_yaml(binary, root, table, rng, scale(100))
        bad_signals_and_prices(binary, root, table, rng, scale(48))
        path_cases(binary, root, table, rng)
        kills(binary, root, table, rng, scale(24))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    total = table.print()
    print(f"({time.time() - started:.0f} s, binary {binary})")
    sys.exit(1 if any(total[k] for k in ("crashes", "hangs", "unclear", "lost")) else 0)


if __name__ == "__main__":
    main()
