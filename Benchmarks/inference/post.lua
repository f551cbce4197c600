-- wrk script: POST a completions request like the one each rollout sends.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"policy","prompt":"Story 0-0: Anna moves the ball while Sam is away. Where will Sam look? A) basket B) box","temperature":1.0,"top_p":1.0,"max_tokens":1024,"logprobs":1}'
