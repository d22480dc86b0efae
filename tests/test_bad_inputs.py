"""Bad-input inventory: every CLI, one table. Each bad input must give ONE line on stderr that
starts with ``error:`` and names the file or field, exit code 2, and no new or changed file in the
output location (progress-bar lines do not count as messages). The test prints how many inputs
were tried and how many passed. A full disk is simulated with a file-size limit (`ulimit -f`: writes
fail with EFBIG where a full disk gives ENOSPC; both take the same path). Not covered here: a judge
that cannot be reached or returns garbage (tests/test_judge.py)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

RESULTS: list[tuple[str, bool]] = []
FSIZE = "max_file_bytes"       # a case's env key that is a file-size limit, not an environment variable
PROGRESS = re.compile(r"\d+%\|")


def _snapshot(folder: Path) -> dict:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def world(tmp_path_factory, mini_data_dir, tiny_qwen2_vl_dir, tiny_llava_dir):
    """Files the bad inputs point at: broken data folders, a foreign adapter, bad configs."""
    root = tmp_path_factory.mktemp("bad-inputs")
    (root / "out").mkdir()
    (root / "out" / "keep.txt").write_text("mine")
    schema = root / "schema99"
    shutil.copytree(mini_data_dir, schema)
    meta = json.loads((schema / "meta.json").read_text())
    meta["schema_version"] = 99
    (schema / "meta.json").write_text(json.dumps(meta))
    trunc = root / "truncated"
    shutil.copytree(mini_data_dir, trunc)
    qa = trunc / "people.parquet"
    qa.write_bytes(qa.read_bytes()[: qa.stat().st_size // 3])
    images = root / "truncated_images"        # found before lmms-eval starts, not as its RetryError
    shutil.copytree(mini_data_dir, images)
    table = images / "images.parquet"
    table.write_bytes(table.read_bytes()[: table.stat().st_size // 3])
    (root / "bad.yaml").write_text("train: [unclosed\n")
    (root / "list.yaml").write_text("- 1\n- 2\n")
    (root / "not_a_folder").write_text("x")
    # release-style import inputs with a missing column, an empty column and a corrupt image
    imgs = root / "release" / "Some Person"
    imgs.mkdir(parents=True)
    (imgs / "a.png").write_bytes(b"not a png")
    (root / "release.csv").write_text("file,scene\nSome Person/a.png,media interview\n")
    (root / "nocol.csv").write_text("file\nSome Person/a.png\n")
    (root / "empty.csv").write_text("file,scene\nSome Person/a.png,\n")
    (root / "mapping.yaml").write_text('columns:\n  image: file\n  person: "@folder"\n  event: scene\n')
    # an adapter of another base model (LLaVA) to score on the Qwen2-VL model
    foreign = root / "adapters" / "foreign"
    run_cli("unlearn", "run", "--method", "ga", "--target", "person", "--model", str(tiny_llava_dir), "--data",
            str(mini_data_dir), "--out", str(foreign), "--seed", "0", "train.max_steps=1", "train.progress=false")
    big = root / "adapters16" / "big"
    run_cli("unlearn", "run", "--method", "ga", "--target", "person", "--model", str(tiny_qwen2_vl_dir), "--data",
            str(mini_data_dir), "--out", str(big), "--seed", "0", "train.max_steps=1", "lora.r=16", "train.progress=false")
    (root / "study_typo.yaml").write_text("unlearn: {stepz: 3}\n")
    (root / "study_badtype.yaml").write_text("unlearn: {steps: many}\n")
    (root / "summary_nocol.csv").write_text("name,value\nx,1\n")
    (root / "summary_badnum.csv").write_text("adapter,method,target,forget,person_efficacy\nbase,none,,,lots\n")
    return {"root": root, "data": mini_data_dir, "qwen": tiny_qwen2_vl_dir, "llava": tiny_llava_dir}


def _cases(w) -> list[tuple[str, list[str], dict, str]]:
    """(id, argv, extra env, text the one line must contain)."""
    r, d, q = w["root"], str(w["data"]), str(w["qwen"])
    out = str(r / "out")
    new = str(r / "out" / "new")
    run = ["unlearn", "run", "--method", "gd", "--target", "person", "--model", q, "--data", d, "--out", new, "--seed", "0"]
    ev = ["pebench", "eval", "--model-args", f"model={q}", "--output", new, "--data", d]
    fq = ["pebench", "forget-quality", "--model-args", f"model={q}", "--output", new, "--data", d]
    return [
        ("build: unknown scale", ["pebench", "data", "build", "--scale", "huge", "--out", new, "--seed", "0"], {}, "--scale"),
        ("build: output exists", ["pebench", "data", "build", "--scale", "mini", "--out", out, "--seed", "0"], {}, out),
        ("build: seed not an integer", ["pebench", "data", "build", "--scale", "mini", "--out", new, "--seed", "x"], {}, "--seed"),
        ("show: missing folder", ["pebench", "data", "show", str(r / "missing")], {}, "missing"),
        ("show: a file, not a folder", ["pebench", "data", "show", str(r / "not_a_folder")], {}, "not_a_folder"),
        ("show: wrong schema version", ["pebench", "data", "show", str(r / "schema99")], {}, "schema"),
        ("show: truncated parquet", ["pebench", "data", "show", str(r / "truncated")], {}, "people.parquet"),
        ("import: missing image folder", ["pebench", "data", "import", "--images", str(r / "nope"), "--csv",
                                          str(r / "release.csv"), "--mapping", str(r / "mapping.yaml"), "--out", new], {}, "nope"),
        ("import: CSV without a mapped column", ["pebench", "data", "import", "--images", str(r / "release"), "--csv",
                                                 str(r / "nocol.csv"), "--mapping", str(r / "mapping.yaml"), "--out", new], {}, "scene"),
        ("import: CSV with an empty column", ["pebench", "data", "import", "--images", str(r / "release"), "--csv",
                                              str(r / "empty.csv"), "--mapping", str(r / "mapping.yaml"), "--out", new], {}, "scene"),
        ("import: corrupt image", ["pebench", "data", "import", "--images", str(r / "release"), "--csv",
                                   str(r / "release.csv"), "--mapping", str(r / "mapping.yaml"), "--out", new], {}, "a.png"),
        ("import: mapping not YAML", ["pebench", "data", "import", "--images", str(r / "release"), "--csv",
                                      str(r / "release.csv"), "--mapping", str(r / "bad.yaml"), "--out", new], {}, "bad.yaml"),
        ("tiny: unknown arch", ["pebench", "model", "tiny", "--arch", "gpt", "--data", d, "--out", new], {}, "--arch"),
        ("tiny: missing data", ["pebench", "model", "tiny", "--arch", "qwen2_vl", "--data", str(r / "missing"), "--out", new], {}, "missing"),
        ("tiny: unknown config key", ["pebench", "model", "tiny", "--arch", "qwen2_vl", "--data", d, "--out", new,
                                      "--set", "text.nope=1"], {}, "text.nope"),
        ("tiny: value of the wrong type", ["pebench", "model", "tiny", "--arch", "qwen2_vl", "--data", d, "--out", new,
                                           "--set", "text.num_layers=two"], {}, "text.num_layers"),
        ("tiny: output exists", ["pebench", "model", "tiny", "--arch", "qwen2_vl", "--data", d, "--out", out], {}, out),
        ("tiny: config not YAML", ["pebench", "model", "tiny", "--arch", "qwen2_vl", "--data", d, "--out", new,
                                   "--config", str(r / "bad.yaml")], {}, "bad.yaml"),
        ("run: unknown method", [*run[:3], "nope", *run[4:]], {}, "nope"),
        ("run: unknown target", [*run[:5], "place", *run[6:]], {}, "--target"),
        ("run: unknown forget split", [*run, "--forget", "forget99"], {}, "--forget"),
        ("run: unknown config key", [*run, "train.lrr=1"], {}, "train.lrr"),
        ("run: rank vLLM does not serve", [*run, "lora.r=7"], {}, "lora.r=7"),
        ("run: missing model", [*run[:7], str(r / "missing"), *run[8:]], {}, "missing"),
        ("run: missing config file", [*run, "--config", str(r / "missing.yaml")], {}, "missing.yaml"),
        ("run: config is a list", [*run, "--config", str(r / "list.yaml")], {}, "list.yaml"),
        ("run: output exists", [*run[:11], out, *run[12:]], {}, out),
        ("finetune: unknown split", ["unlearn", "finetune", "--model", q, "--data", d, "--out", new, "--split", "bogus"], {}, "--split"),
        ("finetune: goal without setting", ["unlearn", "finetune", "--model", q, "--data", d, "--out", new, "--split",
                                            "goal_train"], {}, "--setting"),
        ("finetune: unknown setting", ["unlearn", "finetune", "--model", q, "--data", d, "--out", new, "--split",
                                       "goal_train", "--setting", "person_forget99"], {}, "--setting"),
        ("verify: missing adapter", ["unlearn", "verify", "--model", q, "--adapter", str(r / "missing")], {}, "missing"),
        ("verify: adapter of another base model", ["unlearn", "verify", "--model", q, "--adapter",
                                                   str(r / "adapters" / "foreign")], {}, "foreign"),
        ("score: unknown setting", ["unlearn", "score", "--model", q, "--data", d, "--setting", "bogus"], {}, "--setting 'bogus'"),
        ("eval: missing adapter folder", [*ev, "--adapters", str(r / "missing")], {}, "missing"),
        ("eval: adapter of another base model", [*ev, "--adapters", str(r / "adapters")], {}, "foreign"),
        ("eval: rank above max_lora_rank", ["pebench", "eval", "--model-args", f"model={q},max_lora_rank=8", "--output", new,
                                            "--data", d, "--adapters", str(r / "adapters16")], {}, "max_lora_rank"),
        ("eval: model-args item without =", ["pebench", "eval", "--model-args", f"model={q},oops", "--output", new,
                                             "--data", d, "--adapters", str(r / "adapters16")], {}, "oops"),
        ("eval: bad PEBENCH_FORGET", ["pebench", "eval", "--model", "vllm_lora", *ev[2:]], {"PEBENCH_FORGET": "forget99"},
         "PEBENCH_FORGET"),
        ("eval: bad PEBENCH_SETTING", ["pebench", "eval", "--model", "vllm_lora", *ev[2:]], {"PEBENCH_SETTING": "sideways"},
         "PEBENCH_SETTING"),
        ("eval: --full-models not a model folder", [*ev, "--full-models", str(r / "missing")], {}, "not a model folder"),
        ("forget-quality: missing adapter folder", [*fq, "--adapters", str(r / "missing")], {}, "missing"),
        ("forget-quality: adapter of another base model", [*fq, "--adapters", str(r / "adapters")], {}, "foreign"),
        ("forget-quality: no model= in --model-args", ["pebench", "forget-quality", "--model-args", "dtype=float32",
                                                       *fq[4:], "--adapters", str(r / "adapters16")], {}, "model="),
        ("forget-quality: nothing with a setting", fq, {}, "no adapter"),
        ("study: missing config", ["pebench", "study", str(r / "missing.yaml"), "--out", out], {}, "missing.yaml"),
        ("study: unknown config key", ["pebench", "study", str(r / "study_typo.yaml"), "--out", new], {}, "stepz"),
        ("study: value of the wrong type", ["pebench", "study", str(r / "study_badtype.yaml"), "--out", new], {},
         "unlearn.steps"),
        ("study: unknown method", ["pebench", "study", "demo.yaml", "--out", new, "--set", "unlearn.runs.person=[nope]"], {},
         "nope"),
        ("study: unknown executor", ["pebench", "study", "demo.yaml", "--out", new, "--executor", "slurm"], {}, "slurm"),
        ("study: Goal model without forget targets", ["pebench", "study", "demo.yaml", "--out", new, "--set", "goals=[none]"],
         {}, "goals"),
        ("study: output folder is not a study's", ["pebench", "study", "demo.yaml", "--out", out], {}, "not a study folder"),
        ("study: data.path missing", ["pebench", "study", "demo.yaml", "--out", new, "--set", f"data.path={r / 'missing'}"],
         {}, "data.path"),
        ("report: missing summary", ["pebench", "report", str(r / "missing.csv"), "--out", new], {}, "missing.csv"),
        ("report: not a summary.csv", ["pebench", "report", str(r / "summary_nocol.csv"), "--out", new], {}, "summary_nocol.csv"),
        ("report: a cell that is not a number", ["pebench", "report", str(r / "summary_badnum.csv"), "--out", new], {},
         "person_efficacy"),
        ("data build: full disk", ["pebench", "data", "build", "--scale", "mini", "--seed", "0", "--out", new],
         {FSIZE: "4096"}, "the disk is full"),
        ("eval: truncated images.parquet", ["pebench", "eval", "--model", "vllm_lora", "--model-args", f"model={q}",
                                            "--output", new, "--data", str(r / "truncated_images")], {}, "images.parquet"),
        ("run: truncated images.parquet", [*run[:9], str(r / "truncated_images"), *run[10:]], {}, "images.parquet"),
        ("eval: PEBENCH_DATA not a folder", ["pebench", "eval", "--model", "vllm_lora", "--model-args", f"model={q}",
                                             "--output", new], {"PEBENCH_DATA": str(r / "not_a_folder")}, "not_a_folder"),
    ]


def test_bad_input_inventory(world):
    cases = _cases(world)
    out = world["root"] / "out"
    failures = []
    for name, argv, env, must in cases:
        before = _snapshot(out)
        env = dict(env)
        fsize = int(env.pop(FSIZE, 0)) or None
        proc = run_cli(*argv, check=False, env=env, timeout=600, max_file_bytes=fsize)
        # progress bars (tqdm) are progress, not messages: the error itself must be one line
        lines = [x for x in proc.stderr.replace("\r", "\n").splitlines() if x.strip() and not PROGRESS.search(x)]
        ok = (proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error:") and must in lines[0]
              and _snapshot(out) == before)
        RESULTS.append((name, ok))
        if not ok:
            failures.append(f"{name}: exit {proc.returncode}, stderr {proc.stderr.strip()[-600:]!r}")
    print(f"\nbad-input inventory: {len(cases)} inputs tried, {sum(ok for _, ok in RESULTS)} passed")
    assert len(cases) >= 30
    assert not failures, "\n".join(failures)


def test_plain_lmms_eval_stops_on_a_bad_data_selection_before_the_model(world):
    """lmms-eval's own CLI, PEBench tasks, a broken PEBENCH_* selection: our one line as the last
    line, exit 2, no traceback or RetryError, nothing written; the model folder does not even exist
    (the check runs before lmms-eval loads it)."""
    r = world["root"]
    out = r / "lmms_out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEBENCH_")}
    cases = [({"PEBENCH_DATA": str(r / "truncated_images")}, "images.parquet"),
             ({"PEBENCH_DATA": str(r / "not_a_folder")}, "not_a_folder"),
             ({"PEBENCH_DATA": str(r / "truncated_images"), "PEBENCH_FORGET": "forget99"}, "PEBENCH_FORGET")]
    for extra, must in cases:
        proc = subprocess.run([str(Path(sys.executable).parent / "lmms-eval"), "--model", "vllm_lora", "--model_args",
                               f"model={r / 'no_such_model'}", "--tasks", "pebench_forget", "--output_path", str(out)],
                              capture_output=True, text=True, env={**env, **extra}, timeout=600)
        lines = [x for x in proc.stderr.splitlines() if x.strip()]
        assert proc.returncode == 2 and lines and lines[-1].startswith("error:") and must in lines[-1], proc.stderr[-1500:]
        assert "Traceback" not in proc.stderr and "RetryError" not in proc.stderr and not out.exists()
