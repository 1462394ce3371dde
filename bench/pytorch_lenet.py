"""The bench's PyTorch side: LeNet-300-100 trained the paper's way (no bias, normal(0.05) init, Adam 1e-3,
batch 100, weights multiplied by a fixed 0/1 mask in every forward pass, the way masked training is done in
PyTorch), on the same 54,000 MNIST rows the Node bench trains on. Reads a job description (JSON) from argv[1],
prints one JSON line per topology and denormal mode: the median milliseconds of a full epoch over the repeats.

Each topology trains twice from the same seed: as PyTorch runs by default, and with torch.set_flush_denormal(True)
(subnormal floats read and written as zero). Masked dense does the same multiply-adds for every mask, yet its default
epochs vary between masks on x86, where arithmetic on subnormals stalls; the flushed run shows how much of an epoch
is those stalls rather than work, so a ratio against PyTorch can be read against both."""
import json
import sys
import time

import torch


def load(path, dtype, shape):
    with open(path, 'rb') as f:
        return torch.frombuffer(bytearray(f.read()), dtype=dtype).reshape(shape)


def main():
    job = json.load(open(sys.argv[1]))
    torch.set_num_threads(job['threads'])
    torch.manual_seed(1)
    sizes = job['layers']
    n = job['samples']
    x = load(job['x'], torch.float32, (n, sizes[0]))
    y = load(job['y'], torch.uint8, (n,)).long()
    for topo in job['topologies']:
        for flush in (False, True):
            torch.set_flush_denormal(flush)
            torch.manual_seed(1)
            print(json.dumps({**train(topo, job, x, y, sizes, n), 'flushDenormal': flush}), flush=True)
    torch.set_flush_denormal(False)


def train(topo, job, x, y, sizes, n):
    """Median ms of a full epoch of one topology over the repeats, after a tenth of an epoch of warm-up."""
    masks = [None if m is None else load(m, torch.uint8, (sizes[l], sizes[l + 1])).float().t().contiguous()
             for l, m in enumerate(topo['masks'])]
    weights = [torch.nn.Parameter(torch.randn(sizes[l + 1], sizes[l]) * 0.05) for l in range(len(sizes) - 1)]
    with torch.no_grad():
        for w, m in zip(weights, masks):
            if m is not None:
                w.mul_(m)
    opt = torch.optim.Adam(weights, lr=1e-3, betas=(0.9, 0.999), eps=1e-7)

    def epoch(steps):
        order = torch.randperm(n)
        for s in range(steps):
            idx = order[s * 100:(s + 1) * 100]
            h = x[idx]
            for l, (w, m) in enumerate(zip(weights, masks)):
                h = torch.nn.functional.linear(h, w if m is None else w * m)
                if l < len(weights) - 1:
                    h = torch.relu(h)
            loss = torch.nn.functional.cross_entropy(h, y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    epoch(54)  # warm-up: a tenth of an epoch
    times = []
    for _ in range(job['repeats']):
        t0 = time.perf_counter()
        epoch(n // 100)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {'topology': topo['name'], 'epochMs': times[len(times) // 2], 'threads': job['threads']}


if __name__ == '__main__':
    main()
