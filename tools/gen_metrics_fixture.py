#!/usr/bin/env python3
"""Independent reference values for irsde's metrics, JPEG encoder, resize and filter tests.

Run from the project root with Debian's python3 (needs numpy, opencv (cv2), Pillow, scikit-image):
    apt-get install -y python3-numpy python3-opencv python3-pil python3-skimage
    /usr/bin/python3 tools/gen_metrics_fixture.py
Writes test/fixtures/{metrics,jpeg,degrade}/. Tests never run Python; they read these files.

PSNR/SSIM follow BasicSR (basicsr/metrics/psnr_ssim.py, written out here with numpy + cv2) and are
cross-checked against scikit-image's structural_similarity (gaussian_weights, sigma 1.5, data_range 255).
"""
import hashlib
import io
import json
import os

import cv2
import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, 'test', 'fixtures')
SHARED = os.path.join(ROOT, '..', 'shared', 'data')


def y_channel(img):  # img: uint8 RGB -> float64 Y on 0..255, BasicSR to_y_channel (float input, unrounded)
    f = img.astype(np.float64) / 255.0
    return (f @ np.array([65.481, 128.553, 24.966]) + 16.0)


def psnr(a, b, crop=0, y=False):
    a = a.astype(np.float64); b = b.astype(np.float64)
    if crop:
        a = a[crop:-crop, crop:-crop]; b = b[crop:-crop, crop:-crop]
    if y:
        a = y_channel(a.astype(np.uint8)); b = y_channel(b.astype(np.uint8))
    mse = np.mean((a - b) ** 2)
    return float('inf') if mse == 0 else float(10 * np.log10(255.0 * 255.0 / mse))


def _ssim(img, img2):
    c1 = (0.01 * 255) ** 2
    c2 = (0.03 * 255) ** 2
    k = cv2.getGaussianKernel(11, 1.5)
    w = np.outer(k, k.transpose())
    mu1 = cv2.filter2D(img, -1, w)[5:-5, 5:-5]
    mu2 = cv2.filter2D(img2, -1, w)[5:-5, 5:-5]
    s1 = cv2.filter2D(img ** 2, -1, w)[5:-5, 5:-5] - mu1 ** 2
    s2 = cv2.filter2D(img2 ** 2, -1, w)[5:-5, 5:-5] - mu2 ** 2
    s12 = cv2.filter2D(img * img2, -1, w)[5:-5, 5:-5] - mu1 * mu2
    m = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 ** 2 + mu2 ** 2 + c1) * (s1 + s2 + c2))
    return m.mean()


def ssim(a, b, crop=0, y=False):
    a8, b8 = a, b
    if crop:
        a8 = a8[crop:-crop, crop:-crop]; b8 = b8[crop:-crop, crop:-crop]
    if y:
        pa, pb = [y_channel(a8)], [y_channel(b8)]
    else:
        pa = [a8[..., c].astype(np.float64) for c in range(a8.shape[2])]
        pb = [b8[..., c].astype(np.float64) for c in range(b8.shape[2])]
    basic = float(np.mean([_ssim(x, z) for x, z in zip(pa, pb)]))
    sk = float(np.mean([structural_similarity(x, z, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255) for x, z in zip(pa, pb)]))
    assert abs(basic - sk) < 1e-9, (basic, sk)
    return basic


def load(p):
    return np.array(Image.open(p).convert('RGB'))


def metrics_fixture():
    rs = np.random.RandomState(1234)
    h, w = 40, 48
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([128 + 90 * np.sin(xx / 7.0), 128 + 80 * np.cos(yy / 5.0 + xx / 11.0), (xx * yy) % 256], -1)
    gt = np.clip(base, 0, 255).astype(np.uint8)
    pred = np.clip(gt.astype(np.float64) + rs.normal(0, 12, gt.shape), 0, 255).round().astype(np.uint8)
    d = os.path.join(FIX, 'metrics')
    os.makedirs(d, exist_ok=True)
    Image.fromarray(gt).save(os.path.join(d, 'gt.png'))
    Image.fromarray(pred).save(os.path.join(d, 'pred.png'))
    cases = []

    def add(name, a, b, files):
        for crop in (0, 4):
            for y in (False, True):
                cases.append({'name': name, 'files': files, 'crop': crop, 'y': y, 'psnr': psnr(a, b, crop, y), 'ssim': ssim(a, b, crop, y)})

    add('synthetic', pred, gt, ['test/fixtures/metrics/pred.png', 'test/fixtures/metrics/gt.png'])
    # real pairs from the shared data (read by the tests from ../shared/data)
    for s, i in (('Rain100L', '001'), ('Rain100H', '03')):
        a = load(os.path.join(SHARED, s, 'rain', f'rain-{i}.png'))
        b = load(os.path.join(SHARED, s, 'norain', f'norain-{i}.png'))
        add(f'{s}-{i}', a, b, [f'../shared/data/{s}/rain/rain-{i}.png', f'../shared/data/{s}/norain/norain-{i}.png'])
    with open(os.path.join(d, 'reference.json'), 'w') as f:
        json.dump({'generator': 'tools/gen_metrics_fixture.py (BasicSR conventions, numpy+cv2; SSIM cross-checked with skimage)', 'cases': cases}, f, indent=1)


def scan(b):
    i = b.index(b'\xff\xda')
    n = b[i + 2] * 256 + b[i + 3]
    return b[i + 2 + n:]


def jpeg_fixture():
    d = os.path.join(FIX, 'jpeg')
    os.makedirs(d, exist_ok=True)
    h, w = 37, 45  # not multiples of 8/16: exercises edge padding and dummy blocks
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([(xx * 7 + yy * 3) % 256, np.floor(128 + 100 * np.sin(xx / 5 + yy / 7)), (xx * yy) % 256], -1).astype(np.uint8)
    Image.fromarray(img).save(os.path.join(d, 'input.png'))
    out = []
    for q in (10, 50, 75, 95):
        bio = io.BytesIO()
        Image.fromarray(img).save(bio, 'JPEG', quality=q)
        pil = bio.getvalue()
        ok, cv = cv2.imencode('.jpg', img[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, q])
        assert scan(pil) == scan(cv.tobytes()), 'PIL and OpenCV disagree'
        dec = np.array(Image.open(io.BytesIO(pil)).convert('RGB'))
        Image.fromarray(dec).save(os.path.join(d, f'pil_q{q}_decoded.png'))
        out.append({'quality': q, 'scan_sha256': hashlib.sha256(scan(pil)).hexdigest(), 'bytes': len(pil)})
    with open(os.path.join(d, 'reference.json'), 'w') as f:
        json.dump({'generator': 'tools/gen_metrics_fixture.py (Pillow/libjpeg-turbo and OpenCV, quality=q, 4:2:0)', 'cases': out}, f, indent=1)


def jpeg_more_fixture():
    """More encoder cases: high-frequency content (long zero runs, large AC values, 0xFF stuffing), quality
    100, 4:4:4 chroma and greyscale, all at sizes that are not multiples of 8 or 16."""
    d = os.path.join(FIX, 'jpeg')
    os.makedirs(d, exist_ok=True)
    h, w = 53, 70
    rs = np.random.RandomState(11)
    yy, xx = np.mgrid[0:h, 0:w]
    smooth = np.stack([128 + 90 * np.sin(xx / 9 + yy / 13), (xx * 3 + yy * 5) % 256, 128 + 100 * np.cos(xx * yy / 300)], -1)
    noisy = smooth + rs.normal(0, 40, smooth.shape)
    noisy[20:30, 30:50] = rs.randint(0, 2, (10, 20, 1)) * 255  # hard black/white texture
    rgb = np.clip(np.round(noisy), 0, 255).astype(np.uint8)
    grey = np.clip(np.round(0.5 * smooth[:, :, 0] + 0.5 * rs.normal(128, 50, (h, w))), 0, 255).astype(np.uint8)
    Image.fromarray(rgb).save(os.path.join(d, 'more_rgb.png'))
    Image.fromarray(grey).save(os.path.join(d, 'more_grey.png'))
    cases = []
    for name, img, q, sub in (('more_rgb.png', rgb, 60, '420'), ('more_rgb.png', rgb, 90, '420'), ('more_rgb.png', rgb, 100, '420'),
                              ('more_rgb.png', rgb, 75, '444'), ('more_grey.png', grey, 30, None), ('more_grey.png', grey, 85, None)):
        bio = io.BytesIO()
        kw = {'quality': q}
        if sub == '444':
            kw['subsampling'] = 0
        Image.fromarray(img).save(bio, 'JPEG', **kw)
        pil = bio.getvalue()
        cases.append({'input': name, 'quality': q, 'subsampling': sub, 'scan_sha256': hashlib.sha256(scan(pil)).hexdigest(), 'bytes': len(pil)})
    with open(os.path.join(d, 'more.json'), 'w') as f:
        json.dump({'generator': 'tools/gen_metrics_fixture.py jpeg_more_fixture (Pillow ' + Image.__version__ + ', libjpeg-turbo)', 'cases': cases}, f, indent=1)


def resize_filter_fixture():
    d = os.path.join(FIX, 'degrade')
    os.makedirs(d, exist_ok=True)
    rs = np.random.RandomState(7)
    src = rs.rand(11, 13, 3).astype(np.float32)
    cases = []
    for (ow, oh) in ((7, 5), (20, 17), (13, 22)):
        for name, flag in (('nearest', cv2.INTER_NEAREST), ('bilinear', cv2.INTER_LINEAR), ('bicubic', cv2.INTER_CUBIC), ('area', cv2.INTER_AREA)):
            if name == 'area' and (ow > 13 or oh > 11):
                continue  # OpenCV's area upscaling is not bilinear; the spec defines bilinear there
            r = cv2.resize(src, (ow, oh), interpolation=flag)
            cases.append({'width': ow, 'height': oh, 'interp': name, 'out': [round(float(v), 7) for v in r.reshape(-1)]})
    k = rs.rand(7, 7)
    k /= k.sum()
    filt = cv2.filter2D(src.astype(np.float64), -1, k, borderType=cv2.BORDER_REFLECT_101)
    with open(os.path.join(d, 'cv2_reference.json'), 'w') as f:
        json.dump({'generator': 'tools/gen_metrics_fixture.py (OpenCV ' + cv2.__version__ + ')', 'src': {'width': 13, 'height': 11, 'data': [float(v) for v in src.reshape(-1)]},
                   'resize': cases, 'filter': {'kernel': [float(v) for v in k.reshape(-1)], 'size': 7, 'out': [round(float(v), 9) for v in filt.reshape(-1)]}}, f)


if __name__ == '__main__':
    metrics_fixture()
    jpeg_fixture()
    jpeg_more_fixture()
    resize_filter_fixture()
    print('fixtures written')
