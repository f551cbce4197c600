#!/usr/bin/env python3
"""A real reference trainer for Arbiter's protocol v1 (docs/trainer-protocol.md), on CPU with PyTorch.

It loads SmolLM2-135M-Instruct from its GGUF (dequantized to fp32), serves the policy through a
llama-server it manages, and trains on the batches Arbiter sends:

* GRPO family (every estimator but flowrl_tb): PPO-clip with eps_low / eps_high on the advantages
  Arbiter computed, token-mean or sequence-mean aggregation, optional k3 KL to the frozen reference.
* FlowRL trajectory balance (estimator flowrl_tb): (log Z(x) + mean log pi(y|x) - beta*r_hat
  - mean log pi_ref(y|x))^2 with a learned log Z head (a small MLP over the mean prompt hidden
  state), beta*r_hat from the batch (flow_target), importance weight clipped.

After each optimizer step it writes the weights back to GGUF (llama.cpp's convert_hf_to_gguf.py),
restarts llama-server on them and bumps policy_version. It also serves the frozen reference model
as an OpenAI-compatible /v1/completions endpoint with `echo` + `logprobs`, so Arbiter can ask for
the l_ref that flowrl_tb needs.

    python trainer.py --port 9000 --policy-port 8000 --model PATH.gguf --llama-server BIN \
        --llama-cpp DIR --work DIR [--port-file PATH]
"""
import argparse, copy, gzip, json, math, os, signal, subprocess, sys, threading, time, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import torch
import torch.nn as nn
from transformers import AutoModelForCausalLM, AutoTokenizer


def log(msg):
    print(f"[trainer] {msg}", file=sys.stderr, flush=True)


class LlamaServer:
    """The policy's llama-server: started on a GGUF, restarted on new weights."""

    def __init__(self, binary, port, threads, log_path):
        self.binary, self.port, self.threads, self.log_path = binary, port, threads, log_path
        self.proc = None

    def start(self, gguf):
        """Starts llama-server on `gguf`; a port still held by the previous process is retried."""
        args = [self.binary, "-m", str(gguf), "--host", "127.0.0.1", "--port", str(self.port), "-t", str(self.threads),
                "-c", "4096", "-np", "4", "--no-webui"]
        deadline = time.time() + 180
        while time.time() < deadline:
            self.proc = subprocess.Popen(args, stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT)
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                        if r.status == 200:
                            return
                except Exception:
                    pass
                time.sleep(0.2)
            if self.proc.poll() is None:
                break
            log(f"llama-server exited with {self.proc.returncode} (port {self.port} not free yet?); retrying")
            time.sleep(1.0)
        raise RuntimeError(f"llama-server did not become healthy in 180 s; see {self.log_path}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


class Trainer:
    def __init__(self, args):
        self.args = args
        torch.manual_seed(args.seed)
        torch.set_num_threads(args.threads)
        model_path = Path(args.model).resolve()
        log(f"loading {model_path.name} (GGUF dequantized to fp32)")
        self.tok = AutoTokenizer.from_pretrained(str(model_path.parent), gguf_file=model_path.name)
        self.model = AutoModelForCausalLM.from_pretrained(str(model_path.parent), gguf_file=model_path.name,
                                                          dtype=torch.float32)
        # A plain checkpoint from here on (the GGUF quantizer is not needed to save).
        self.model.hf_quantizer = None
        if getattr(self.model.config, "quantization_config", None) is not None:
            try:
                del self.model.config.quantization_config
            except AttributeError:
                self.model.config.quantization_config = None
        self.reference = copy.deepcopy(self.model).eval()
        for p in self.reference.parameters():
            p.requires_grad_(False)
        hidden = self.model.config.hidden_size
        self.log_z = nn.Sequential(nn.Linear(hidden, 128), nn.GELU(), nn.Linear(128, 1))
        self.opt = torch.optim.AdamW(list(self.model.parameters()) + list(self.log_z.parameters()), lr=args.lr)
        self.version = 0
        self.work = Path(args.work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.server = LlamaServer(args.llama_server, args.policy_port, args.server_threads, self.work / "llama-server.log")
        self.server.start(model_path)
        log(f"policy llama-server on 127.0.0.1:{args.policy_port}")
        self.lock = threading.Lock()
        self.answers = {}
        self.trained = {}
        self.stats = []

    # --- tokens and log-probabilities -------------------------------------------------------------

    def ids(self, sample):
        prompt = sample.get("prompt_token_ids") or self.tok(sample["prompt"], add_special_tokens=False).input_ids
        completion = sample.get("completion_token_ids") or self.tok(sample["completion"], add_special_tokens=False).input_ids
        return list(prompt), list(completion)

    def token_logprobs(self, model, prompt, completion, hidden=False):
        ids = torch.tensor([prompt + completion])
        out = model(ids, output_hidden_states=hidden)
        logits = out.logits[0, len(prompt) - 1:-1]
        lp = torch.log_softmax(logits.float(), dim=-1).gather(1, torch.tensor(completion).unsqueeze(1)).squeeze(1)
        h = out.hidden_states[-1][0, :len(prompt)].mean(0) if hidden else None
        return lp, h

    # --- one batch --------------------------------------------------------------------------------

    def train(self, batch):
        estimator = batch["estimator"]
        params = batch.get("estimator_params") or {}
        samples = [s for s in batch["samples"] if s["completion"]]
        if not samples:
            return {"loss": 0.0, "samples": 0}
        self.model.train()
        self.opt.zero_grad()
        total, tokens, n = 0.0, 0, 0
        eps_low, eps_high, kl = self.args.clip_low, self.args.clip_high, self.args.kl_coef
        for s in samples:
            prompt, completion = self.ids(s)
            if not completion:
                continue
            new, h = self.token_logprobs(self.model, prompt, completion, hidden=(estimator == "flowrl_tb"))
            old = s.get("completion_logprobs")
            old = torch.tensor(old if old and len(old) == len(completion) else new.detach().tolist())
            weight = float(s.get("loss_weight", 1.0))
            if estimator == "flowrl_tb":
                with torch.no_grad():
                    ref_lp, _ = self.token_logprobs(self.reference, prompt, completion)
                ref_mean = s.get("ref_logprob_mean")
                ref_mean = float(ref_mean) if ref_mean is not None else float(ref_lp.mean())
                target = float(s.get("flow_target") or 0.0)
                log_z = self.log_z(h.detach()).squeeze()
                iw = torch.exp((new.detach() - old).mean()).clamp(1 - eps_low, 1 + eps_high)
                residual = log_z + new.mean() - target - ref_mean
                loss = weight * iw * residual.pow(2)
                loss.backward()
                total += float(loss.detach())
                n += 1
            else:
                adv = float(s["advantage"])
                ratio = torch.exp(new - old)
                surrogate = torch.minimum(ratio * adv, ratio.clamp(1 - eps_low, 1 + eps_high) * adv)
                per_token = -surrogate
                if kl > 0:
                    with torch.no_grad():
                        ref_lp, _ = self.token_logprobs(self.reference, prompt, completion)
                    d = ref_lp - new
                    per_token = per_token + kl * (torch.exp(d) - d - 1)
                if self.args.aggregation == "seq-mean":
                    loss = weight * per_token.mean()
                    n += 1
                else:
                    loss = weight * per_token.sum()
                    tokens += len(completion)
                loss.backward()
                total += float(loss.detach())
        scale = 1.0 / max(1, tokens if (estimator != "flowrl_tb" and self.args.aggregation == "token-mean") else n)
        for p in list(self.model.parameters()) + list(self.log_z.parameters()):
            if p.grad is not None:
                p.grad.mul_(scale)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.model.eval()
        return {"loss": total * scale, "samples": len(samples), "estimator": estimator, "beta": params.get("beta")}

    def publish(self):
        """Writes the weights to GGUF, restarts llama-server on them, bumps the version."""
        hf = self.work / "hf"
        self.model.save_pretrained(hf)
        self.tok.save_pretrained(hf)
        out = self.work / f"policy-v{self.version + 1}.gguf"
        env = dict(os.environ, PYTHONPATH=str(Path(self.args.llama_cpp) / "gguf-py"))
        subprocess.run([sys.executable, str(Path(self.args.llama_cpp) / "convert_hf_to_gguf.py"), str(hf), "--outfile", str(out),
                        "--outtype", "f32"], check=True, env=env, stdout=subprocess.DEVNULL, stderr=open(self.work / "convert.log", "ab"))
        self.server.stop()
        self.server.start(out)
        previous = self.work / f"policy-v{self.version}.gguf"
        if previous.exists():
            previous.unlink()
        self.version += 1

    def apply(self, batch):
        """One optimizer step per batch id, then publish; a retry after a failed publish does not train again."""
        started = time.time()
        key = batch["batch_id"]
        if key not in self.trained:
            self.trained[key] = self.train(batch)
        stats = dict(self.trained[key])
        self.publish()
        stats.update(step=batch["step"], batch_id=batch["batch_id"], policy_version=self.version, seconds=round(time.time() - started, 2))
        self.stats.append(stats)
        with open(self.work / "steps.jsonl", "a") as f:
            f.write(json.dumps(stats) + "\n")
        log(f"batch {batch['batch_id']} step {batch['step']}: loss {stats['loss']:.4f} -> policy v{self.version} ({stats['seconds']} s)")

    # --- reference scoring (OpenAI-compatible echo) -----------------------------------------------

    def echo(self, body):
        prompt = body.get("prompt")
        if isinstance(prompt, list):
            ids = [int(i) for i in prompt]
        else:
            ids = self.tok(prompt, add_special_tokens=False).input_ids
        with torch.no_grad():
            logits = self.reference(torch.tensor([ids])).logits[0]
            lps = torch.log_softmax(logits.float(), dim=-1)
        token_lps = [None] + [float(lps[i - 1, ids[i]]) for i in range(1, len(ids))]
        tokens = [self.tok.decode([i]) for i in ids]
        offsets, at = [], 0
        for t in tokens:
            offsets.append(at)
            at += len(t)
        return {"id": "ref", "object": "text_completion", "model": body.get("model", "reference"),
                "choices": [{"index": 0, "text": "".join(tokens) if isinstance(prompt, list) else prompt, "finish_reason": "length",
                             "logprobs": {"tokens": tokens, "token_logprobs": token_lps, "text_offset": offsets, "top_logprobs": None}}],
                "usage": {"prompt_tokens": len(ids), "completion_tokens": 0, "total_tokens": len(ids)}}


def serve(trainer, args):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/v1/status":
                self.reply(200, {"policy_version": trainer.version, "ready": True, "queue_depth": 0})
            elif self.path == "/health":
                self.reply(200, {"status": "ok"})
            elif self.path == "/v1/models":
                self.reply(200, {"object": "list", "data": [{"id": "reference", "object": "model"}]})
            else:
                self.reply(404, {"error": "not found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
                try:
                    raw = gzip.decompress(raw)
                except (OSError, EOFError) as e:
                    return self.reply(400, {"error": f"Content-Encoding: gzip body cannot be inflated: {e}"})
            try:
                body = json.loads(raw)
            except ValueError:
                return self.reply(400, {"error": "body: not JSON"})
            if self.path == "/v1/completions":
                return self.reply(200, trainer.echo(body))
            if self.path != "/v1/batches":
                return self.reply(404, {"error": "not found"})
            key = self.headers.get("Idempotency-Key")
            if not key or key != body.get("batch_id"):
                return self.reply(400, {"error": "Idempotency-Key: must equal batch_id"})
            with trainer.lock:
                if key in trainer.answers:
                    return self.reply(200, trainer.answers[key])
                try:
                    trainer.apply(body)
                except (KeyError, TypeError, ValueError) as e:
                    return self.reply(400, {"error": f"batch: {e}"})
                except Exception as e:  # publishing failed: the optimizer step is kept, a retry republishes
                    log(f"batch {key}: {e}")
                    return self.reply(503, {"error": f"publishing the new weights failed: {e}"})
                answer = {"accepted": True, "policy_version": trainer.version}
                trainer.answers[key] = answer
                return self.reply(200, answer)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.port_file:
        Path(args.port_file).write_text(str(server.server_address[1]))
    log(f"protocol v1 on 127.0.0.1:{server.server_address[1]}")

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever()
    finally:
        trainer.server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=9000)
    ap.add_argument("--port-file")
    ap.add_argument("--policy-port", type=int, required=True)
    ap.add_argument("--model", required=True, help="the policy's initial GGUF")
    ap.add_argument("--llama-server", required=True, help="llama-server binary")
    ap.add_argument("--llama-cpp", required=True, help="llama.cpp source folder (convert_hf_to_gguf.py, gguf-py)")
    ap.add_argument("--work", required=True, help="folder for checkpoints, converted GGUFs and logs")
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--clip-low", type=float, default=0.2)
    ap.add_argument("--clip-high", type=float, default=0.28)
    ap.add_argument("--kl-coef", type=float, default=0.0)
    ap.add_argument("--aggregation", choices=["token-mean", "seq-mean"], default="token-mean")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--server-threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    serve(Trainer(args), args)


if __name__ == "__main__":
    main()
