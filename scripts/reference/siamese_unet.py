#!/usr/bin/env python3
"""The issue's reference recipe in PyTorch, scored on sitewatch's leave-one-set-out splits.

Not part of sitewatch (whose network is defined, trained and run in Rust): a measuring
instrument. Issue 4 quotes a from-scratch Siamese U-Net of about 1 M parameters, trained in
150 s on one GPU on levir + dsifn + szada with per-image standardisation, strong photometric
jitter, random rescaling (0.5-2x) and copy-paste of changed regions, that reached F1 0.57 and
0.41 on two sets that are not shared. This script trains that recipe on the shared sets with
one set left out and scores the left-out set exactly as `sitewatch eval` does (pixel-wise
confusion summed over the set, threshold 0.5, each image standardised by its own statistics),
so that sitewatch's figures can be read against what the recipe the issue points to gives on
the same splits. It runs where PyTorch is (the lent GPU machine, or a CPU for a smoke run).

    python3 scripts/reference/siamese_unet.py --data ../shared/data/changepairs \
        --left-out levir --seed 1 --steps 4000 --json-out levir.json

Folds (`--left-out`): levir, dsifn, airchange-szada (the set left out of training and
scored), and levir-test (trained on the other sets and LEVIR's pairs not named `test_`,
scored on the 7 `test_` pairs), as `scripts/leave-one-set-out.sh` splits them. Unlike
sitewatch's recipe, no synthetic building changes: the reference recipe used none.
"""

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

SETS = ("levir", "dsifn", "airchange-szada")


def load_set(folder):
    """The pairs of a folder of `A/`, `B/`, `label/` (label value > 127 = change)."""
    pairs = []
    for before_path in sorted((folder / "A").iterdir()):
        name = before_path.name
        before = np.asarray(Image.open(before_path).convert("RGB"), dtype=np.float32) / 255
        after = np.asarray(Image.open(folder / "B" / name).convert("RGB"), dtype=np.float32) / 255
        label = np.asarray(Image.open(folder / "label" / name).convert("L")) > 127
        pairs.append((name, before, after, label))
    return pairs


def split(data, left_out):
    """Training pairs and scored pairs of a fold."""
    sets = {name: load_set(data / name) for name in SETS}
    if left_out == "levir-test":
        scored = [p for p in sets["levir"] if p[0].startswith("test_")]
        train = [p for p in sets["levir"] if not p[0].startswith("test_")]
        train += sets["dsifn"] + sets["airchange-szada"]
    else:
        scored = sets[left_out]
        train = [p for name in SETS if name != left_out for p in sets[name]]
    return train, scored


def to_tensor(image, device):
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).to(device)


class Crops:
    """Augmented training crops."""

    def __init__(self, pairs, crop, generator, device):
        self.pairs = [
            (to_tensor(b, device), to_tensor(a, device), torch.from_numpy(l).float()[None].to(device))
            for _, b, a, l in pairs
        ]
        self.changed = [i for i, p in enumerate(self.pairs) if p[2].sum() > 0]
        self.crop = crop
        self.rng = generator
        self.device = device

    def uniform(self, low, high, size=()):
        """A number (or a tensor of `size`) drawn uniformly from [low, high)."""
        draw = low + (high - low) * torch.rand(size, generator=self.rng)
        return draw.item() if size == () else draw

    def window(self, index):
        """A crop of pair `index` rescaled by 0.5-2x (log-uniform), as (before, after, label)."""
        before, after, label = self.pairs[index]
        height, width = label.shape[-2:]
        scale = math.exp(self.uniform(math.log(0.5), math.log(2.0)))
        side = min(int(round(self.crop / scale)), height, width)
        y = int(torch.randint(0, height - side + 1, (1,), generator=self.rng))
        x = int(torch.randint(0, width - side + 1, (1,), generator=self.rng))
        cut = lambda t: t[:, y : y + side, x : x + side][None]
        size = (self.crop, self.crop)
        resize = lambda t: F.interpolate(cut(t), size=size, mode="bilinear", align_corners=False,
                                         antialias=side > self.crop)[0]
        label = F.interpolate(cut(label), size=size, mode="nearest")[0]
        return resize(before), resize(after), label

    def jitter(self, image):
        """Photometric jitter of one date: gain, offset, gamma per band, a ramp, blur, noise."""
        bands = image.shape[0]
        dev = self.device
        gain = (self.uniform(0.7, 1.4) * self.uniform(0.85, 1.18, (bands, 1, 1))).to(dev)
        offset = self.uniform(-0.1, 0.1, (bands, 1, 1)).to(dev)
        gamma = torch.exp(self.uniform(math.log(0.7), math.log(1.4), (bands, 1, 1))).to(dev)
        image = image.clamp(0, 1) ** gamma * gain + offset
        ramp = torch.linspace(-1, 1, image.shape[-1], device=dev)
        angle = self.uniform(0, 2 * math.pi)
        grid = math.cos(angle) * ramp[None, :] + math.sin(angle) * ramp[:, None]
        image = image * (1 + self.uniform(0, 0.3) * grid)
        if self.uniform(0, 1) < 0.2:
            image = F.avg_pool2d(image[None], 3, stride=1, padding=1, count_include_pad=False)[0]
        noise = torch.randn(image.shape, generator=self.rng).to(dev)
        return image + self.uniform(0, 0.03) * noise

    def sample(self):
        index = int(torch.randint(0, len(self.pairs), (1,), generator=self.rng))
        before, after, label = self.window(index)
        # Copy-paste: changed regions of another pair, with their label, into this one.
        if self.changed and self.uniform(0, 1) < 0.5:
            for _ in range(int(torch.randint(1, 4, (1,), generator=self.rng))):
                donor = self.changed[int(torch.randint(0, len(self.changed), (1,), generator=self.rng))]
                d_before, d_after, d_label = self.window(donor)
                mask = d_label > 0.5
                before = torch.where(mask, d_before, before)
                after = torch.where(mask, d_after, after)
                label = torch.maximum(label, d_label)
        before, after = self.jitter(before), self.jitter(after)
        if self.uniform(0, 1) < 0.5:
            before, after = after, before
        turns = int(torch.randint(0, 4, (1,), generator=self.rng))
        flip = self.uniform(0, 1) < 0.5
        out = []
        for t in (before, after, label):
            t = torch.rot90(t, turns, dims=(1, 2))
            out.append(torch.flip(t, dims=(2,)) if flip else t)
        return standardise(out[0]), standardise(out[1]), out[2]

    def batch(self, size, device):
        samples = [self.sample() for _ in range(size)]
        return tuple(torch.stack(parts).to(device, non_blocking=True) for parts in zip(*samples))


def standardise(image):
    """Each band to zero mean and unit deviation over the image it is given."""
    mean = image.mean(dim=(-2, -1), keepdim=True)
    std = image.std(dim=(-2, -1), keepdim=True)
    return (image - mean) / (std + 1e-2)


def conv_block(inputs, outputs):
    return nn.Sequential(
        nn.Conv2d(inputs, outputs, 3, padding=1, bias=False),
        nn.BatchNorm2d(outputs),
        nn.ReLU(inplace=True),
        nn.Conv2d(outputs, outputs, 3, padding=1, bias=False),
        nn.BatchNorm2d(outputs),
        nn.ReLU(inplace=True),
    )


class SiameseUNet(nn.Module):
    """One encoder for both dates; the decoder fuses |f(A) - f(B)| across scales, U-Net style."""

    def __init__(self, widths=(24, 48, 96, 192)):
        super().__init__()
        self.encoder = nn.ModuleList(
            conv_block(3 if i == 0 else widths[i - 1], w) for i, w in enumerate(widths)
        )
        self.reduce = nn.ModuleList(
            nn.Conv2d(widths[i + 1], widths[i], 1) for i in range(len(widths) - 1)
        )
        self.decoder = nn.ModuleList(
            conv_block(2 * widths[i], widths[i]) for i in range(len(widths) - 1)
        )
        self.head = nn.Conv2d(widths[0], 1, 1)

    def features(self, image):
        out = []
        for i, stage in enumerate(self.encoder):
            image = stage(image if i == 0 else F.max_pool2d(image, 2))
            out.append(image)
        return out

    def forward(self, before, after):
        both = self.features(torch.cat([before, after]))
        diffs = [(f[: len(before)] - f[len(before) :]).abs() for f in both]
        x = diffs[-1]
        for i in reversed(range(len(diffs) - 1)):
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = self.decoder[i](torch.cat([self.reduce[i](x), diffs[i]], dim=1))
        return self.head(x)


def loss_of(logits, label):
    bce = F.binary_cross_entropy_with_logits(logits, label)
    prob = torch.sigmoid(logits)
    dice = 1 - (2 * (prob * label).sum() + 1) / (prob.sum() + label.sum() + 1)
    return bce + dice


@torch.no_grad()
def evaluate(model, pairs, device):
    """Pixel-wise confusion over the pairs at threshold 0.5, as `sitewatch eval` counts it."""
    model.eval()
    tp = fp = fn = 0
    per_pair = {}
    for name, before, after, label in pairs:
        b = standardise(to_tensor(before, device))[None]
        a = standardise(to_tensor(after, device))[None]
        height, width = label.shape
        pad_h, pad_w = (-height) % 8, (-width) % 8
        b = F.pad(b, (0, pad_w, 0, pad_h), mode="reflect")
        a = F.pad(a, (0, pad_w, 0, pad_h), mode="reflect")
        prob = torch.sigmoid(model(b, a).float())[0, 0, :height, :width].cpu().numpy()
        pred = prob >= 0.5
        p_tp = int((pred & label).sum())
        p_fp = int((pred & ~label).sum())
        p_fn = int((~pred & label).sum())
        tp, fp, fn = tp + p_tp, fp + p_fp, fn + p_fn
        per_pair[name] = None if p_tp + p_fp + p_fn == 0 else 2 * p_tp / (2 * p_tp + p_fp + p_fn)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {"pairs": len(pairs), "precision": precision, "recall": recall, "f1": f1,
            "iou": tp / (tp + fp + fn) if tp + fp + fn else 0.0, "per_pair": per_pair}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared changepairs folder")
    parser.add_argument("--left-out", required=True, choices=SETS + ("levir-test",))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--max-seconds", type=float, default=float("inf"),
                        help="end training within this long: after 50 steps the schedule is shortened to fit "
                        "(the steps done are reported)")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    train, scored = split(args.data, args.left_out)
    # Crops are made on the CPU: many small steps, which on a shared GPU wait on each other.
    crops = Crops(train, args.crop, generator, "cpu")
    model = SiameseUNet().to(device)
    parameters = sum(p.numel() for p in model.parameters())
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    warmup = max(1, args.steps // 20)
    schedule = lambda step: min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * step / args.steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, schedule)

    start = time.time()
    step = 0
    model.train()
    while step < args.steps and time.time() - start < args.max_seconds:
        before, after, label = crops.batch(args.batch, device)
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
            logits = model(before, after)
        loss = loss_of(logits.float(), label)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        scheduler.step()
        step += 1
        if step == 50 and math.isfinite(args.max_seconds):
            # Shorten the schedule (warm-up and cosine decay with it) to end within the time.
            per_step = (time.time() - start) / step
            args.steps = min(args.steps, int(0.9 * args.max_seconds / per_step))
        if step % 500 == 0:
            print(f"{args.left_out} seed {args.seed}: step {step} loss {loss.item():.3f} "
                  f"{time.time() - start:.0f} s", flush=True)
    seconds = time.time() - start
    result = evaluate(model, scored, device)
    result.update(left_out=args.left_out, seed=args.seed, steps=step, planned_steps=args.steps,
                  batch=args.batch, crop=args.crop, train_seconds=round(seconds, 1),
                  parameters=parameters, device=torch.cuda.get_device_name() if device == "cuda" else "cpu")
    line = json.dumps(result)
    print(line, flush=True)
    if args.json_out:
        args.json_out.write_text(line + "\n")


if __name__ == "__main__":
    main()
