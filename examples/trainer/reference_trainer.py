#!/usr/bin/env python3
"""Reference trainer for Arbiter's trainer protocol v1 (docs/trainer-protocol.md). Standard library only.

It checks every field of every batch (400 + "<path>: <problem>"), answers a repeated Idempotency-Key
with the original answer, bumps policy_version per accepted batch and serves GET /v1/status.
It does not train: put your optimizer step in apply_batch().

    python3 reference_trainer.py --port 9000 [--token-env TRAINER_TOKEN] [--port-file PATH]
"""
import argparse, gzip, json, math, os, signal, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FINISH_REASONS = {"stop", "length", "abort", "tool_calls", "unknown"}
BATCH_KEYS = {"batch_id", "run_id", "step", "estimator", "estimator_params", "samples", "provenance"}
SAMPLE_KEYS = {"sample_id", "group_id", "prompt_id", "prompt", "prompt_token_ids", "completion",
               "completion_token_ids", "completion_logprobs", "ref_logprob_mean", "policy_version",
               "finish_reason", "truncated", "reward", "reward_components", "advantage", "flow_target", "loss_weight"}
PROVENANCE_KEYS = {"config_hash", "template_hashes", "judge_models", "reward_weights", "datasets"}


class Invalid(Exception):
    pass


def typename(v):
    return {type(None): "null", bool: "boolean", int: "number", float: "number", str: "string",
            list: "array", dict: "object"}.get(type(v), type(v).__name__)


def expect(v, kind, path, nullable=False):
    if v is None and nullable:
        return None
    ok = {"string": isinstance(v, str), "boolean": isinstance(v, bool), "array": isinstance(v, list),
          "object": isinstance(v, dict),
          "number": isinstance(v, (int, float)) and not isinstance(v, bool)}[kind]
    if not ok:
        raise Invalid(f"{path}: expected {kind}, got {typename(v)}")
    if kind == "number" and not math.isfinite(v):
        raise Invalid(f"{path}: must be finite")
    return v


def integer(v, path, nullable=False):
    if expect(v, "number", path, nullable) is None:
        return None
    if v != int(v) or v < 0:
        raise Invalid(f"{path}: must be an integer >= 0, got {v}")
    return int(v)


def fields(obj, keys, path):
    expect(obj, "object", path)
    missing, unknown = sorted(keys - obj.keys()), sorted(obj.keys() - keys)
    prefix = f"{path}." if path else ""
    if missing:
        raise Invalid(f"{prefix}{missing[0]}: required field is missing")
    if unknown:
        raise Invalid(f"{prefix}{unknown[0]}: unknown field")


def nonempty(v, path):
    if not expect(v, "string", path):
        raise Invalid(f"{path}: must not be empty")


def validate_sample(s, p):
    fields(s, SAMPLE_KEYS, p)
    for k in ("sample_id", "group_id"):
        nonempty(s[k], f"{p}.{k}")
    for k in ("prompt_id", "prompt", "completion"):
        expect(s[k], "string", f"{p}.{k}")
    lengths = {}
    for k in ("prompt_token_ids", "completion_token_ids", "completion_logprobs"):
        if expect(s[k], "array", f"{p}.{k}", nullable=True) is not None:
            check = (lambda v, q: expect(v, "number", q)) if k == "completion_logprobs" else integer
            for i, x in enumerate(s[k]):
                check(x, f"{p}.{k}[{i}]")
            lengths[k] = len(s[k])
    n, m = lengths.get("completion_logprobs"), lengths.get("completion_token_ids")
    if n is not None and m is not None and n != m:
        raise Invalid(f"{p}.completion_logprobs: {n} entries but completion_token_ids has {m}")
    expect(s["ref_logprob_mean"], "number", f"{p}.ref_logprob_mean", nullable=True)
    integer(s["policy_version"], f"{p}.policy_version")
    if expect(s["finish_reason"], "string", f"{p}.finish_reason") not in FINISH_REASONS:
        raise Invalid(f"{p}.finish_reason: \"{s['finish_reason']}\" is not one of {sorted(FINISH_REASONS)}")
    if expect(s["truncated"], "boolean", f"{p}.truncated") != (s["finish_reason"] == "length"):
        raise Invalid(f"{p}.truncated: must be true exactly when finish_reason is \"length\"")
    reward = expect(s["reward"], "number", f"{p}.reward", nullable=True)
    for k, v in expect(s["reward_components"], "object", f"{p}.reward_components").items():
        expect(v, "number", f"{p}.reward_components.{k}", nullable=True)
    if expect(s["advantage"], "number", f"{p}.advantage") != 0 and reward is None:
        raise Invalid(f"{p}.advantage: must be 0 when reward is null (missing rewards never train)")
    expect(s["flow_target"], "number", f"{p}.flow_target", nullable=True)
    if expect(s["loss_weight"], "number", f"{p}.loss_weight") < 0:
        raise Invalid(f"{p}.loss_weight: must be >= 0, got {s['loss_weight']}")
    return s["sample_id"]


def validate(raw):
    def no_constants(name):
        raise Invalid(f"body: {name} is not JSON")
    try:
        batch = json.loads(raw, parse_constant=no_constants)
    except ValueError as e:
        raise Invalid(f"body: not JSON ({e})")
    expect(batch, "object", "body")
    fields(batch, BATCH_KEYS, "")
    nonempty(batch["batch_id"], "batch_id")
    expect(batch["run_id"], "string", "run_id")
    integer(batch["step"], "step")
    nonempty(batch["estimator"], "estimator")
    for k, v in expect(batch["estimator_params"], "object", "estimator_params").items():
        expect(v, "string", f"estimator_params.{k}")
    if not expect(batch["samples"], "array", "samples"):
        raise Invalid("samples: must not be empty")
    seen = set()
    for i, s in enumerate(batch["samples"]):
        sid = validate_sample(s, f"samples[{i}]")
        if sid in seen:
            raise Invalid(f"samples[{i}].sample_id: duplicate {sid}")
        seen.add(sid)
    prov = batch["provenance"]
    fields(prov, PROVENANCE_KEYS, "provenance")
    nonempty(prov["config_hash"], "provenance.config_hash")
    for name, kind in (("template_hashes", "string"), ("judge_models", "string"), ("reward_weights", "number")):
        for k, v in expect(prov[name], "object", f"provenance.{name}").items():
            expect(v, kind, f"provenance.{name}.{k}")
    for i, d in enumerate(expect(prov["datasets"], "array", "provenance.datasets")):
        expect(d, "string", f"provenance.datasets[{i}]")
    return batch


class Trainer:
    """Policy version and remembered answers. Persist `answers` with your weights if you can crash."""

    def __init__(self):
        self.lock = threading.Lock()
        self.policy_version = 0
        self.answers = {}  # Idempotency-Key -> (status, body) of 2xx answers

    def apply_batch(self, batch):
        self.policy_version += 1  # one optimizer step changed the served weights


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer has a Content-Length
    trainer = Trainer()
    token = None

    def reply(self, status, obj):
        body = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        if self.token and self.headers.get("Authorization") != f"Bearer {self.token}":
            self.reply(401, {"accepted": False, "error": "missing or invalid bearer token"})
            return False
        return True

    def do_GET(self):
        if self.path != "/v1/status":
            return self.reply(404, {"accepted": False, "error": f"no route {self.path}"})
        if self.authorized():
            with self.trainer.lock:
                self.reply(200, {"policy_version": self.trainer.policy_version, "ready": True, "queue_depth": 0})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = (self.headers.get("Content-Encoding") or "identity").lower()
        if encoding == "gzip":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as e:
                return self.reply(400, {"accepted": False, "error": f"Content-Encoding: gzip body cannot be inflated: {e}"})
        elif encoding != "identity":
            return self.reply(415, {"accepted": False, "error": f"Content-Encoding {encoding} is not supported"})
        if self.path != "/v1/batches":
            return self.reply(404, {"accepted": False, "error": f"no route {self.path}"})
        if not self.authorized():
            return
        if not (self.headers.get("Content-Type") or "").lower().startswith("application/json"):
            return self.reply(415, {"accepted": False, "error": "Content-Type must be application/json"})
        key = self.headers.get("Idempotency-Key")
        if not key:
            return self.reply(400, {"accepted": False, "error": "Idempotency-Key header is required"})
        t = self.trainer
        with t.lock:
            if key in t.answers:
                return self.reply(*t.answers[key])  # a duplicate delivery has no effect
        try:
            batch = validate(raw)
        except Invalid as e:
            return self.reply(400, {"accepted": False, "error": str(e)})
        if batch["batch_id"] != key:
            return self.reply(400, {"accepted": False,
                                    "error": f"Idempotency-Key {key} does not match batch_id {batch['batch_id']}"})
        with t.lock:
            if key not in t.answers:
                t.apply_batch(batch)
                t.answers[key] = (200, json.dumps({"accepted": True, "policy_version": t.policy_version}).encode())
            self.reply(*t.answers[key])

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9000, help="0 picks a free port")
    ap.add_argument("--token-env", help="environment variable holding the required bearer token")
    ap.add_argument("--port-file", help="write the bound port here once listening")
    args = ap.parse_args()
    signal.pthread_sigmask(signal.SIG_SETMASK, [])  # a parent may have blocked SIGTERM; stop on it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    Handler.token = os.environ.get(args.token_env) if args.token_env else None
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"reference trainer listening on http://{args.host}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
