"""References for the transfer target (issue 12): what simple answers built from z_A and z_B score against the true
rendering of A's class in B's style, on the unseen pairs of `content_transfer` (seed 0). `95_results` adds the trained
supervised reference.

    python tools/issue12_prototypes/transfer_refs.py
"""
import sys, numpy as np, torch
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from common import prep
from fden_nb.metrics import image_error, transfer_pairs, true_renderings

if __name__ == "__main__":
    p = prep(); ev, z = p.evaluation, p.lat_ev.z.float()
    y = torch.as_tensor(ev.labels)
    a, b = transfer_pairs(y, 500, 0)
    truth = true_renderings(ev, a, b)
    means = torch.zeros(int(y.max()) + 1, z.shape[1]).index_add_(0, y, z) / torch.bincount(y)[:, None].float()
    dec = lambda zz: p.backbone.decode(zz).detach().reshape(truth.shape)
    bg, zb, yb = p.background, p.lat_bg.z.float(), torch.as_tensor(p.background.labels)
    A, B = transfer_pairs(yb, 4000, 1)                                   # a linear map fitted on seen-alphabet pairs
    x_bg = true_renderings(bg, A, B)
    with torch.no_grad():
        W = torch.linalg.lstsq(torch.cat([zb[A], zb[B], torch.ones(len(A), 1)], 1), p.backbone.encode(x_bg)).solution
        answers = {"keep A": z[a], "decoded class mean of A": means[y[a]],
                   "analogy: mean_A + (z_B − mean_B)": means[y[a]] + z[b] - means[y[b]],
                   "analogy, half the offset": means[y[a]] + 0.5 * (z[b] - means[y[b]]),
                   "linear map (z_A, z_B) → z, fitted with the true renderings": torch.cat([z[a], z[b], torch.ones(len(a), 1)], 1) @ W,
                   "dec(enc(true rendering))": p.backbone.encode(truth)}
        for k, v in answers.items(): print(f"{k:>60}: MSE {image_error(dec(v), truth)['mse']:.4f}")
