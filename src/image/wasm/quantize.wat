;; Whole-image 8-bit quantisation for convert.ts: q(x) = clip(round(255x), 0, 255) with ties to even and
;; NaN → 0, exactly `toByte` (255x is exact in f64 for a float32 x; f64.nearest is round-half-to-even), over float32
;; values in this module's memory. `quantize` writes q(x)/255 back as float32 (JavaScript divides in float64 and the
;; Float32Array store rounds once more; here one float32 division of the integer q by 255, which rounds to the same
;; float32 for every q in 0..255: exhaustively tested); `toBytes` writes q(x) as bytes. Four values at a time in
;; f64x2 lanes (select(0, select(255, nearest(v), v ≥ 255), !(v > 0)) as bit masks), the last few one by one;
;; everything inline (a call per value cost as much as the arithmetic).
;; `fromRGBA` is the way back for decoded images: RGBA bytes to RGB float32 b/255 (the same single float32 division,
;; so the same values as convert.ts's table of b/255), four pixels per step.
;; Addresses are byte offsets.
(module
  (memory (export "memory") 1)

  (func (export "quantize") (param $p i32) (param $n i32)
    (local $end i32) (local $x v128) (local $lo v128) (local $hi v128) (local $v f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $four
      (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
      (local.set $x (v128.load (local.get $p)))
      (local.set $lo (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (v128.const f64x2 255 255)))
      (local.set $hi (f64x2.mul (f64x2.promote_low_f32x4
        (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))) (v128.const f64x2 255 255)))
      (local.set $lo (v128.bitselect
        (v128.bitselect (v128.const f64x2 255 255) (f64x2.nearest (local.get $lo)) (f64x2.ge (local.get $lo) (v128.const f64x2 255 255)))
        (v128.const f64x2 0 0) (f64x2.gt (local.get $lo) (v128.const f64x2 0 0))))
      (local.set $hi (v128.bitselect
        (v128.bitselect (v128.const f64x2 255 255) (f64x2.nearest (local.get $hi)) (f64x2.ge (local.get $hi) (v128.const f64x2 255 255)))
        (v128.const f64x2 0 0) (f64x2.gt (local.get $hi) (v128.const f64x2 0 0))))
      ;; the integers q are exact in float32
      (v128.store (local.get $p) (f32x4.div
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi)))
        (v128.const f32x4 255 255 255 255)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $four)))
    (block $done1 (loop $one
      (br_if $done1 (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $v (f64.mul (f64.promote_f32 (f32.load (local.get $p))) (f64.const 255)))
      (f32.store (local.get $p) (f32.div (f32.demote_f64 (select (f64.const 0)
        (select (f64.const 255) (f64.nearest (local.get $v)) (f64.ge (local.get $v) (f64.const 255)))
        (i32.eqz (f64.gt (local.get $v) (f64.const 0))))) (f32.const 255)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $one))))

  (func (export "toBytes") (param $src i32) (param $n i32) (param $dst i32)
    (local $end i32) (local $x v128) (local $lo v128) (local $hi v128) (local $v f64)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $four
      (br_if $done (i32.gt_u (i32.add (local.get $src) (i32.const 16)) (local.get $end)))
      (local.set $x (v128.load (local.get $src)))
      (local.set $lo (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (v128.const f64x2 255 255)))
      (local.set $hi (f64x2.mul (f64x2.promote_low_f32x4
        (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))) (v128.const f64x2 255 255)))
      (local.set $lo (v128.bitselect
        (v128.bitselect (v128.const f64x2 255 255) (f64x2.nearest (local.get $lo)) (f64x2.ge (local.get $lo) (v128.const f64x2 255 255)))
        (v128.const f64x2 0 0) (f64x2.gt (local.get $lo) (v128.const f64x2 0 0))))
      (local.set $hi (v128.bitselect
        (v128.bitselect (v128.const f64x2 255 255) (f64x2.nearest (local.get $hi)) (f64x2.ge (local.get $hi) (v128.const f64x2 255 255)))
        (v128.const f64x2 0 0) (f64x2.gt (local.get $hi) (v128.const f64x2 0 0))))
      ;; four integers 0..255 → i32 lanes → bytes
      (local.set $x (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (i32x4.trunc_sat_f64x2_s_zero (local.get $lo)) (i32x4.trunc_sat_f64x2_s_zero (local.get $hi))))
      (local.set $x (i16x8.narrow_i32x4_s (local.get $x) (local.get $x)))
      (v128.store32_lane 0 (local.get $dst) (i8x16.narrow_i16x8_u (local.get $x) (local.get $x)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (br $four)))
    (block $done1 (loop $one
      (br_if $done1 (i32.ge_u (local.get $src) (local.get $end)))
      (local.set $v (f64.mul (f64.promote_f32 (f32.load (local.get $src))) (f64.const 255)))
      (i32.store8 (local.get $dst) (i32.trunc_f64_u (select (f64.const 0)
        (select (f64.const 255) (f64.nearest (local.get $v)) (f64.ge (local.get $v) (f64.const 255)))
        (i32.eqz (f64.gt (local.get $v) (f64.const 0))))))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
      (br $one))))

  (func (export "fromRGBA") (param $src i32) (param $n i32) (param $dst i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $four
      (br_if $done (i32.gt_u (i32.add (local.get $src) (i32.const 16)) (local.get $end)))
      (local.set $v (v128.load (local.get $src)))
      ;; 16 bytes R0 G0 B0 A0 ... R3 G3 B3 A3 → three vectors of four u8-in-i32 lanes, alpha skipped
      (v128.store (local.get $dst) (f32x4.div (f32x4.convert_i32x4_u
        (i8x16.shuffle 0 16 16 16 1 16 16 16 2 16 16 16 4 16 16 16 (local.get $v) (v128.const i32x4 0 0 0 0)))
        (v128.const f32x4 255 255 255 255)))
      (v128.store offset=16 (local.get $dst) (f32x4.div (f32x4.convert_i32x4_u
        (i8x16.shuffle 5 16 16 16 6 16 16 16 8 16 16 16 9 16 16 16 (local.get $v) (v128.const i32x4 0 0 0 0)))
        (v128.const f32x4 255 255 255 255)))
      (v128.store offset=32 (local.get $dst) (f32x4.div (f32x4.convert_i32x4_u
        (i8x16.shuffle 10 16 16 16 12 16 16 16 13 16 16 16 14 16 16 16 (local.get $v) (v128.const i32x4 0 0 0 0)))
        (v128.const f32x4 255 255 255 255)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 48)))
      (br $four)))
    (block $done1 (loop $one
      (br_if $done1 (i32.ge_u (local.get $src) (local.get $end)))
      (f32.store (local.get $dst) (f32.div (f32.convert_i32_u (i32.load8_u (local.get $src))) (f32.const 255)))
      (f32.store offset=4 (local.get $dst) (f32.div (f32.convert_i32_u (i32.load8_u offset=1 (local.get $src))) (f32.const 255)))
      (f32.store offset=8 (local.get $dst) (f32.div (f32.convert_i32_u (i32.load8_u offset=2 (local.get $src))) (f32.const 255)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 12)))
      (br $one))))
)
