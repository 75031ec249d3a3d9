"""Peer: PyTorch (nn.LSTM / nn.GRU + nn.Linear, SGD, MSE), the workloads of bench/workloads.ts.

    python3 torch_bench.py '<workloads JSON>' <float32|float64> <threads> <runs> <warmup>

Prints one JSON line: {"torch": version, "blas": which BLAS library the process loaded,
"threads": n, "dtype": ..., "results": [{"name", "timing": {median, min, max, runs}}]}.
Debian's python3-torch calls whatever libblas.so.3 points to (the slow reference BLAS unless
libopenblas-dev is installed), so the BLAS actually mapped into the process is reported.
"""
import json
import sys
import time

import torch

workloads = json.loads(sys.argv[1])
dtype = {"float32": torch.float32, "float64": torch.float64}[sys.argv[2]]
threads = int(sys.argv[3])
runs = int(sys.argv[4])
warmup = int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(0)


def timing(body):
    for _ in range(warmup):
        body()
    samples = []
    # At least `runs`, and short workloads until 1.5 s are timed (at most 60 runs), as bench/child.ts does.
    while len(samples) < max(5, runs) or (sum(samples) < 1500 and len(samples) < 60):
        start = time.perf_counter()
        body()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    n = len(samples)
    median = samples[n // 2] if n % 2 else (samples[n // 2 - 1] + samples[n // 2]) / 2
    return {"median": median, "min": samples[0], "max": samples[-1], "runs": n}


def measure(w):
    rnn_class = torch.nn.LSTM if w["cell"] == "lstm" else torch.nn.GRU
    rnn = rnn_class(w["inputSize"], w["hiddenSize"], num_layers=w["layers"], bidirectional=w["bidirectional"]).to(dtype)
    width = w["hiddenSize"] * (2 if w["bidirectional"] else 1)
    head = torch.nn.Linear(width, w["outputSize"]).to(dtype)
    x = torch.randn(w["steps"], w["batch"], w["inputSize"], dtype=dtype)
    y = torch.randn(w["steps"], w["batch"], w["outputSize"], dtype=dtype)
    if w["mode"] == "train":
        params = list(rnn.parameters()) + list(head.parameters())
        optimizer = torch.optim.SGD(params, lr=1e-3)
        loss_fn = torch.nn.MSELoss()

        def step():
            optimizer.zero_grad()
            out, _ = rnn(x)
            loss = loss_fn(head(out), y)
            loss.backward()
            optimizer.step()

        return timing(step)

    def infer():
        with torch.no_grad():
            out, _ = rnn(x)
            head(out)

    return timing(infer)


def loaded_blas():
    torch.randn(64, 64) @ torch.randn(64, 64)
    torch.randn(64, 64, dtype=torch.float64) @ torch.randn(64, 64, dtype=torch.float64)
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            name = path.rsplit("/", 1)[-1]
            if "blas" in name.lower() or "mkl" in name.lower():
                libs.add(path)
    return sorted(libs)


results = [{"name": w["name"], "timing": measure(w)} for w in workloads]
print(json.dumps({"torch": torch.__version__, "blas": loaded_blas(), "threads": threads, "dtype": sys.argv[2], "results": results}))
