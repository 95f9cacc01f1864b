"""fden_nb used the way a researcher uses it: `from fden_nb.core import FDEN` in a notebook of their own,
outside `nbs/`, executed by a real Jupyter kernel (not nbdev's in-process runner)."""
import os

import nbformat
from nbclient import NotebookClient

CELLS = [
    "import torch\nfrom fden_nb.core import FDEN",
    "torch.manual_seed(0)\n"
    "model = FDEN.two_factor(16).eval()\n"
    "z_a, z_b = torch.randn(6, 16), torch.randn(6, 16)\n"
    "f = model.decompose(z_a)\n"
    "mixed = model.mix(z_a, z_b, {'ide': 0.25, 'sty': 0.75})\n"
    "swapped = model.swap(z_a, z_b, 'sty')\n"
    "back = model.entangle(f)\n"
    "print(sorted(f), tuple(f['ide'].shape), tuple(mixed.shape), tuple(swapped.shape), tuple(back.shape))",
    "assert torch.allclose(model.mix(z_a, z_b, 1.0), back, atol=1e-5)\n"
    "step = model.training_step(torch.randn(4, 5, 3, 16), target=1)\n"
    "print(sorted(step))",
]


def test_fden_in_a_notebook_outside_nbs(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    workdir = tmp_path / "my_analysis"
    workdir.mkdir()
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(workdir)}})
    client.execute()
    out = "".join(o.get("text", "") for c in nb.cells for o in c.outputs if o.output_type == "stream")
    assert "['ide', 'sty'] (6, 14) (6, 16) (6, 16) (6, 16)" in out  # the invertible default: 16 units, f_sty an eighth
    assert "['L_A', 'L_C', 'L_F', 'L_M', 'L_P', 'L_R', 'L_S', 'acc', 'adv_acc', 'loss']" in out
    assert not os.path.relpath(workdir, os.path.dirname(__file__)).startswith("nbs")
