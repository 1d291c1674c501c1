;; The two 1-D passes of the separable resize (resize.ts `applyAxis`) over interleaved float32 images (alongX3:
;; the x pass for 3-channel images with all three channels per load; alongY: eight values per tap step).
;; Each output value is 0 + w₀·s₀ + w₁·s₁ + … in tap order in float64, rounded once to float32 when stored
;; (f32.demote rounds to nearest even, like a store into a Float32Array): the TypeScript loop's arithmetic,
;; so both give the same bits. Taps for output i are idx/wt[start[i] .. start[i+1]); idx holds source pixel
;; indices along the axis. All addresses are byte offsets into this module's memory.
(module
  (memory (export "memory") 1)

  ;; along x: src is h rows of w pixels × ch channels, dst h rows of outW pixels × ch channels
  (func (export "alongX") (param $src i32) (param $w i32) (param $h i32) (param $ch i32) (param $outW i32)
    (param $start i32) (param $idx i32) (param $wt i32) (param $dst i32)
    (local $y i32) (local $x i32) (local $c i32) (local $t i32) (local $t1 i32) (local $row i32)
    (local $acc f64) (local $rowBytes i32) (local $pixBytes i32)
    (local.set $pixBytes (i32.shl (local.get $ch) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $w) (local.get $pixBytes)))
    (block $yd (loop $yl
      (br_if $yd (i32.ge_u (local.get $y) (local.get $h)))
      (local.set $row (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $rowBytes))))
      (local.set $x (i32.const 0))
      (block $xd (loop $xl
        (br_if $xd (i32.ge_u (local.get $x) (local.get $outW)))
        (local.set $t1 (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $x) (i32.const 2)))))
        (local.set $c (i32.const 0))
        (block $cd (loop $cl
          (br_if $cd (i32.ge_u (local.get $c) (local.get $ch)))
          (local.set $acc (f64.const 0))
          (local.set $t (i32.load (i32.add (local.get $start) (i32.shl (local.get $x) (i32.const 2)))))
          (block $td (loop $tl
            (br_if $td (i32.ge_u (local.get $t) (local.get $t1)))
            (local.set $acc (f64.add (local.get $acc) (f64.mul
              (f64.load (i32.add (local.get $wt) (i32.shl (local.get $t) (i32.const 3))))
              (f64.promote_f32 (f32.load (i32.add (i32.add (local.get $row)
                (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t) (i32.const 2)))) (local.get $pixBytes)))
                (i32.shl (local.get $c) (i32.const 2))))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $tl)))
          (f32.store (local.get $dst) (f32.demote_f64 (local.get $acc)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $cl)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $xl)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl))))

;; along x for 3-channel images: the three values of a pixel share their taps, so one 16-byte load per tap
  ;; brings all three (and the next pixel's first value, unused): channels 0 and 1 in one float64x2 sum,
  ;; channel 2 in the low lane of another. Same sums in the same order as alongX, so the same bits. The load
  ;; past the last pixel reads 4 bytes beyond the image, which the caller keeps inside the module's memory.
  (func (export "alongX3") (param $src i32) (param $w i32) (param $h i32) (param $outW i32)
    (param $start i32) (param $idx i32) (param $wt i32) (param $dst i32)
    (local $y i32) (local $x i32) (local $t i32) (local $t1 i32) (local $row i32) (local $rowBytes i32)
    (local $v v128) (local $wv v128) (local $a01 v128) (local $a2 v128)
    (local.set $rowBytes (i32.mul (local.get $w) (i32.const 12)))
    (block $yd (loop $yl
      (br_if $yd (i32.ge_u (local.get $y) (local.get $h)))
      (local.set $row (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $rowBytes))))
      (local.set $x (i32.const 0))
      (block $xd (loop $xl
        (br_if $xd (i32.ge_u (local.get $x) (local.get $outW)))
        (local.set $t (i32.load (i32.add (local.get $start) (i32.shl (local.get $x) (i32.const 2)))))
        (local.set $t1 (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $x) (i32.const 2)))))
        (local.set $a01 (v128.const f64x2 0 0))
        (local.set $a2 (v128.const f64x2 0 0))
        (block $td (loop $tl
          (br_if $td (i32.ge_u (local.get $t) (local.get $t1)))
          (local.set $v (v128.load align=4 (i32.add (local.get $row)
            (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 12)))))
          (local.set $wv (f64x2.splat (f64.load (i32.add (local.get $wt) (i32.shl (local.get $t) (i32.const 3))))))
          (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $wv) (f64x2.promote_low_f32x4 (local.get $v)))))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $wv)
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $tl)))
        (v128.store64_lane align=4 0 (local.get $dst) (f32x4.demote_f64x2_zero (local.get $a01)))
        (f32.store offset=8 (local.get $dst) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $a2))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 12)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $xl)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl))))

    ;; along y: src rows of n float32 values (a whole image row), dst outH such rows
  (func (export "alongY") (param $src i32) (param $n i32) (param $outH i32)
    (param $start i32) (param $idx i32) (param $wt i32) (param $dst i32)
    (local $y i32) (local $i i32) (local $t i32) (local $t0 i32) (local $t1 i32) (local $rowBytes i32)
    (local $n2 i32) (local $acc2 v128) (local $acc f64) (local $w f64) (local $p i32)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $wv v128) (local $lo v128) (local $hi v128)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    (block $yd (loop $yl
      (br_if $yd (i32.ge_u (local.get $y) (local.get $outH)))
      (local.set $t0 (i32.load (i32.add (local.get $start) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $t1 (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $y) (i32.const 2)))))
      ;; eight values at a time (four float64x2 sums share each tap's row offset and weight)
      (local.set $i (i32.const 0))
      (block $i8d (loop $i8l
        (br_if $i8d (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $n)))
        (local.set $b0 (v128.const f64x2 0 0)) (local.set $b1 (v128.const f64x2 0 0))
        (local.set $b2 (v128.const f64x2 0 0)) (local.set $b3 (v128.const f64x2 0 0))
        (local.set $t (local.get $t0))
        (block $t8d (loop $t8l
          (br_if $t8d (i32.ge_u (local.get $t) (local.get $t1)))
          (local.set $p (i32.add (i32.add (local.get $src)
            (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t) (i32.const 2)))) (local.get $rowBytes)))
            (i32.shl (local.get $i) (i32.const 2))))
          (local.set $wv (f64x2.splat (f64.load (i32.add (local.get $wt) (i32.shl (local.get $t) (i32.const 3))))))
          (local.set $lo (v128.load align=4 (local.get $p)))
          (local.set $hi (v128.load offset=16 align=4 (local.get $p)))
          (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $wv) (f64x2.promote_low_f32x4 (local.get $lo)))))
          (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (local.get $wv)
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $lo) (local.get $lo))))))
          (local.set $b2 (f64x2.add (local.get $b2) (f64x2.mul (local.get $wv) (f64x2.promote_low_f32x4 (local.get $hi)))))
          (local.set $b3 (f64x2.add (local.get $b3) (f64x2.mul (local.get $wv)
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $hi) (local.get $hi))))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $t8l)))
        (v128.store64_lane align=4 0 (local.get $dst) (f32x4.demote_f64x2_zero (local.get $b0)))
        (v128.store64_lane offset=8 align=4 0 (local.get $dst) (f32x4.demote_f64x2_zero (local.get $b1)))
        (v128.store64_lane offset=16 align=4 0 (local.get $dst) (f32x4.demote_f64x2_zero (local.get $b2)))
        (v128.store64_lane offset=24 align=4 0 (local.get $dst) (f32x4.demote_f64x2_zero (local.get $b3)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $i8l)))
      ;; then two values at a time
      (block $id (loop $il
        (br_if $id (i32.ge_u (local.get $i) (local.get $n2)))
        (local.set $acc2 (v128.const f64x2 0 0))
        (local.set $t (local.get $t0))
        (block $td (loop $tl
          (br_if $td (i32.ge_u (local.get $t) (local.get $t1)))
          (local.set $p (i32.add (i32.add (local.get $src)
            (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t) (i32.const 2)))) (local.get $rowBytes)))
            (i32.shl (local.get $i) (i32.const 2))))
          (local.set $acc2 (f64x2.add (local.get $acc2) (f64x2.mul
            (f64x2.splat (f64.load (i32.add (local.get $wt) (i32.shl (local.get $t) (i32.const 3)))))
            (f64x2.promote_low_f32x4 (v128.load64_zero align=4 (local.get $p))))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $tl)))
        (v128.store64_lane align=4 0 (local.get $dst) (f32x4.demote_f64x2_zero (local.get $acc2)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $il)))
      ;; an odd last value
      (if (i32.lt_u (local.get $i) (local.get $n))
        (then
          (local.set $acc (f64.const 0))
          (local.set $t (local.get $t0))
          (block $td1 (loop $tl1
            (br_if $td1 (i32.ge_u (local.get $t) (local.get $t1)))
            (local.set $acc (f64.add (local.get $acc) (f64.mul
              (f64.load (i32.add (local.get $wt) (i32.shl (local.get $t) (i32.const 3))))
              (f64.promote_f32 (f32.load (i32.add (i32.add (local.get $src)
                (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t) (i32.const 2)))) (local.get $rowBytes)))
                (i32.shl (local.get $i) (i32.const 2))))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $tl1)))
          (f32.store (local.get $dst) (f32.demote_f64 (local.get $acc)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl))))

  ;; ---------------------------------------------------------------------------------------------------------
  ;; float32 passes (the OpenCV-semantics `resize`; resize.ts `applyAxis32` is their TypeScript twin): weights
  ;; are float32 (wt holds 4 bytes per tap) and each output value is w₀·s₀ + w₁·s₁ + … in tap order in float32,
  ;; every product and every sum rounded to float32 (f32x4.mul/add round each lane to nearest even; WebAssembly
  ;; never fuses them), so the same bits as Math.fround after every multiply and add.

  ;; along x, any channel count, one value at a time
  (func (export "alongXf") (param $src i32) (param $w i32) (param $h i32) (param $ch i32) (param $outW i32)
    (param $start i32) (param $idx i32) (param $wt i32) (param $dst i32)
    (local $y i32) (local $x i32) (local $c i32) (local $t i32) (local $t0 i32) (local $t1 i32) (local $row i32)
    (local $acc f32) (local $rowBytes i32) (local $pixBytes i32)
    (local.set $pixBytes (i32.shl (local.get $ch) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $w) (local.get $pixBytes)))
    (block $yd (loop $yl
      (br_if $yd (i32.ge_u (local.get $y) (local.get $h)))
      (local.set $row (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $rowBytes))))
      (local.set $x (i32.const 0))
      (block $xd (loop $xl
        (br_if $xd (i32.ge_u (local.get $x) (local.get $outW)))
        (local.set $t0 (i32.load (i32.add (local.get $start) (i32.shl (local.get $x) (i32.const 2)))))
        (local.set $t1 (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $x) (i32.const 2)))))
        (local.set $c (i32.const 0))
        (block $cd (loop $cl
          (br_if $cd (i32.ge_u (local.get $c) (local.get $ch)))
          (local.set $acc (f32.mul
            (f32.load (i32.add (local.get $wt) (i32.shl (local.get $t0) (i32.const 2))))
            (f32.load (i32.add (i32.add (local.get $row)
              (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t0) (i32.const 2)))) (local.get $pixBytes)))
              (i32.shl (local.get $c) (i32.const 2))))))
          (local.set $t (i32.add (local.get $t0) (i32.const 1)))
          (block $td (loop $tl
            (br_if $td (i32.ge_u (local.get $t) (local.get $t1)))
            (local.set $acc (f32.add (local.get $acc) (f32.mul
              (f32.load (i32.add (local.get $wt) (i32.shl (local.get $t) (i32.const 2))))
              (f32.load (i32.add (i32.add (local.get $row)
                (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t) (i32.const 2)))) (local.get $pixBytes)))
                (i32.shl (local.get $c) (i32.const 2)))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $tl)))
          (f32.store (local.get $dst) (local.get $acc))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $cl)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $xl)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl))))

  ;; along x for 3-channel images: one 16-byte load per tap brings R, G, B (and the next pixel's R, unused) into
  ;; one f32x4 sum; one 16-byte store per output pixel, whose fourth lane the next pixel's store overwrites. Reads
  ;; and writes 4 bytes past the last pixel, which the caller keeps inside the module's memory.
  (func (export "alongX3f") (param $src i32) (param $w i32) (param $h i32) (param $outW i32)
    (param $start i32) (param $idx i32) (param $wt i32) (param $dst i32)
    (local $y i32) (local $x i32) (local $t i32) (local $t1 i32) (local $row i32) (local $rowBytes i32) (local $acc v128)
    (local.set $rowBytes (i32.mul (local.get $w) (i32.const 12)))
    (block $yd (loop $yl
      (br_if $yd (i32.ge_u (local.get $y) (local.get $h)))
      (local.set $row (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $rowBytes))))
      (local.set $x (i32.const 0))
      (block $xd (loop $xl
        (br_if $xd (i32.ge_u (local.get $x) (local.get $outW)))
        (local.set $t (i32.load (i32.add (local.get $start) (i32.shl (local.get $x) (i32.const 2)))))
        (local.set $t1 (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $x) (i32.const 2)))))
        (local.set $acc (f32x4.mul
          (v128.load32_splat (i32.add (local.get $wt) (i32.shl (local.get $t) (i32.const 2))))
          (v128.load align=4 (i32.add (local.get $row)
            (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 12))))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (block $td (loop $tl
          (br_if $td (i32.ge_u (local.get $t) (local.get $t1)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
            (v128.load32_splat (i32.add (local.get $wt) (i32.shl (local.get $t) (i32.const 2))))
            (v128.load align=4 (i32.add (local.get $row)
              (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 12)))))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $tl)))
        (v128.store align=4 (local.get $dst) (local.get $acc))
        (local.set $dst (i32.add (local.get $dst) (i32.const 12)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $xl)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl))))

  ;; along y: src rows of n float32 values (a whole image row), dst outH such rows; 16 values per block (four
  ;; f32x4 sums share each tap's row offset and weight), then 4, then one at a time
  (func (export "alongYf") (param $src i32) (param $n i32) (param $outH i32)
    (param $start i32) (param $idx i32) (param $wt i32) (param $dst i32)
    (local $y i32) (local $i i32) (local $t i32) (local $t0 i32) (local $t1 i32) (local $rowBytes i32) (local $p i32)
    (local $acc f32) (local $wv v128) (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (block $yd (loop $yl
      (br_if $yd (i32.ge_u (local.get $y) (local.get $outH)))
      (local.set $t0 (i32.load (i32.add (local.get $start) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $t1 (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $i (i32.const 0))
      (block $i16d (loop $i16l
        (br_if $i16d (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
        (local.set $p (i32.add (i32.add (local.get $src)
          (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t0) (i32.const 2)))) (local.get $rowBytes)))
          (i32.shl (local.get $i) (i32.const 2))))
        (local.set $wv (v128.load32_splat (i32.add (local.get $wt) (i32.shl (local.get $t0) (i32.const 2)))))
        (local.set $b0 (f32x4.mul (local.get $wv) (v128.load align=4 (local.get $p))))
        (local.set $b1 (f32x4.mul (local.get $wv) (v128.load offset=16 align=4 (local.get $p))))
        (local.set $b2 (f32x4.mul (local.get $wv) (v128.load offset=32 align=4 (local.get $p))))
        (local.set $b3 (f32x4.mul (local.get $wv) (v128.load offset=48 align=4 (local.get $p))))
        (local.set $t (i32.add (local.get $t0) (i32.const 1)))
        (block $t16d (loop $t16l
          (br_if $t16d (i32.ge_u (local.get $t) (local.get $t1)))
          (local.set $p (i32.add (i32.add (local.get $src)
            (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t) (i32.const 2)))) (local.get $rowBytes)))
            (i32.shl (local.get $i) (i32.const 2))))
          (local.set $wv (v128.load32_splat (i32.add (local.get $wt) (i32.shl (local.get $t) (i32.const 2)))))
          (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $wv) (v128.load align=4 (local.get $p)))))
          (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $wv) (v128.load offset=16 align=4 (local.get $p)))))
          (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $wv) (v128.load offset=32 align=4 (local.get $p)))))
          (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $wv) (v128.load offset=48 align=4 (local.get $p)))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $t16l)))
        (v128.store align=4 (local.get $dst) (local.get $b0))
        (v128.store offset=16 align=4 (local.get $dst) (local.get $b1))
        (v128.store offset=32 align=4 (local.get $dst) (local.get $b2))
        (v128.store offset=48 align=4 (local.get $dst) (local.get $b3))
        (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $i16l)))
      (block $i4d (loop $i4l
        (br_if $i4d (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $b0 (f32x4.mul
          (v128.load32_splat (i32.add (local.get $wt) (i32.shl (local.get $t0) (i32.const 2))))
          (v128.load align=4 (i32.add (i32.add (local.get $src)
            (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t0) (i32.const 2)))) (local.get $rowBytes)))
            (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $t (i32.add (local.get $t0) (i32.const 1)))
        (block $t4d (loop $t4l
          (br_if $t4d (i32.ge_u (local.get $t) (local.get $t1)))
          (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul
            (v128.load32_splat (i32.add (local.get $wt) (i32.shl (local.get $t) (i32.const 2))))
            (v128.load align=4 (i32.add (i32.add (local.get $src)
              (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t) (i32.const 2)))) (local.get $rowBytes)))
              (i32.shl (local.get $i) (i32.const 2)))))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $t4l)))
        (v128.store align=4 (local.get $dst) (local.get $b0))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $i4l)))
      (block $i1d (loop $i1l
        (br_if $i1d (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (f32.mul
          (f32.load (i32.add (local.get $wt) (i32.shl (local.get $t0) (i32.const 2))))
          (f32.load (i32.add (i32.add (local.get $src)
            (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t0) (i32.const 2)))) (local.get $rowBytes)))
            (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $t (i32.add (local.get $t0) (i32.const 1)))
        (block $t1d (loop $t1l
          (br_if $t1d (i32.ge_u (local.get $t) (local.get $t1)))
          (local.set $acc (f32.add (local.get $acc) (f32.mul
            (f32.load (i32.add (local.get $wt) (i32.shl (local.get $t) (i32.const 2))))
            (f32.load (i32.add (i32.add (local.get $src)
              (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $t) (i32.const 2)))) (local.get $rowBytes)))
              (i32.shl (local.get $i) (i32.const 2)))))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $t1l)))
        (f32.store (local.get $dst) (local.get $acc))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $i1l)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl))))
)
