;; The two 1-D passes of the separable resize (resize.ts `applyAxis`) over interleaved float32 images.
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

  ;; along y: src rows of n float32 values (a whole image row), dst outH such rows
  (func (export "alongY") (param $src i32) (param $n i32) (param $outH i32)
    (param $start i32) (param $idx i32) (param $wt i32) (param $dst i32)
    (local $y i32) (local $i i32) (local $t i32) (local $t0 i32) (local $t1 i32) (local $rowBytes i32)
    (local $n2 i32) (local $acc2 v128) (local $acc f64) (local $w f64) (local $p i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    (block $yd (loop $yl
      (br_if $yd (i32.ge_u (local.get $y) (local.get $outH)))
      (local.set $t0 (i32.load (i32.add (local.get $start) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $t1 (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $y) (i32.const 2)))))
      ;; two values at a time
      (local.set $i (i32.const 0))
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
)
