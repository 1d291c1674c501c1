;; 2-D correlation of one reflect-padded float64 plane with a list of taps (WebAssembly SIMD, two float64
;; lanes). For every output pixel o(y, x) = Σ_t w[t] · plane[y·PW + x + off[t]], summed in tap order from 0,
;; which is exactly the scalar loop's arithmetic (f64x2 add/mul round each lane like scalar f64), so the
;; result is bit-identical to the TypeScript path on every engine.
;; `pad` builds the padded plane of one channel from the interleaved float32 image, and `correlate` writes
;; its results as float32 straight into that channel of the interleaved output (demote rounds to nearest
;; even, like a store into a Float32Array), so no per-pixel work is left to JavaScript.
;; All addresses are byte offsets into this module's memory.
(module
  (memory (export "memory") 1)

  ;; plane[y·pw + x] = f64(src[rowAt[y] + colAt[x]]) for y < ph, x < pw. rowAt/colAt are i32 byte offsets
  ;; (the reflected source row start, and the reflected source column plus the channel).
  (func (export "pad")
    (param $src i32) (param $rowAt i32) (param $colAt i32) (param $pw i32) (param $ph i32) (param $plane i32)
    (local $y i32) (local $x i32) (local $row i32) (local $o i32) (local $xEnd i32)
    (local.set $xEnd (i32.shl (local.get $pw) (i32.const 2)))
    (local.set $o (local.get $plane))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $ph)))
        (local.set $row (i32.add (local.get $src) (i32.load (i32.add (local.get $rowAt) (i32.shl (local.get $y) (i32.const 2))))))
        (local.set $x (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $x) (local.get $xEnd)))
            (f64.store (local.get $o)
              (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.load (i32.add (local.get $colAt) (local.get $x)))))))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $cols)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows))))

  ;; $out: the first value of this channel in the interleaved float32 output; $step: bytes between pixels.
  (func (export "correlate")
    (param $plane i32) (param $pw i32) (param $out i32) (param $step i32) (param $w i32) (param $h i32)
    (param $offs i32) (param $wts i32) (param $ntaps i32)
    (local $y i32) (local $x i32) (local $t i32) (local $tEnd i32)
    (local $rowIn i32) (local $rowOut i32) (local $base i32) (local $p i32) (local $w8 i32)
    (local $wv v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $ws f64) (local $s f64)
    (local.set $tEnd (i32.shl (local.get $ntaps) (i32.const 2)))
    ;; x limit for the 8-pixel blocks: w rounded down to a multiple of 8
    (local.set $w8 (i32.and (local.get $w) (i32.const -8)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $h)))
        (local.set $rowIn (i32.add (local.get $plane) (i32.shl (i32.mul (local.get $y) (local.get $pw)) (i32.const 3))))
        (local.set $rowOut (i32.add (local.get $out) (i32.mul (i32.mul (local.get $y) (local.get $w)) (local.get $step))))
        (local.set $x (i32.const 0))
        ;; eight output pixels at a time: four independent two-lane sums
        (block $blocksDone
          (loop $blocks
            (br_if $blocksDone (i32.ge_u (local.get $x) (local.get $w8)))
            (local.set $base (i32.add (local.get $rowIn) (i32.shl (local.get $x) (i32.const 3))))
            (local.set $a0 (v128.const f64x2 0 0))
            (local.set $a1 (v128.const f64x2 0 0))
            (local.set $a2 (v128.const f64x2 0 0))
            (local.set $a3 (v128.const f64x2 0 0))
            (local.set $t (i32.const 0))
            (block $tapsDone
              (loop $taps
                (br_if $tapsDone (i32.ge_u (local.get $t) (local.get $tEnd)))
                (local.set $wv (f64x2.splat (f64.load (i32.add (local.get $wts) (i32.shl (local.get $t) (i32.const 1))))))
                (local.set $p (i32.add (local.get $base) (i32.load (i32.add (local.get $offs) (local.get $t)))))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $wv) (v128.load offset=0 align=8 (local.get $p)))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $wv) (v128.load offset=16 align=8 (local.get $p)))))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $wv) (v128.load offset=32 align=8 (local.get $p)))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $wv) (v128.load offset=48 align=8 (local.get $p)))))
                (local.set $t (i32.add (local.get $t) (i32.const 4)))
                (br $taps)))
            (local.set $p (i32.add (local.get $rowOut) (i32.mul (local.get $x) (local.get $step))))
            (call $store2 (local.get $p) (local.get $step) (local.get $a0))
            (call $store2 (i32.add (local.get $p) (i32.shl (local.get $step) (i32.const 1))) (local.get $step) (local.get $a1))
            (call $store2 (i32.add (local.get $p) (i32.shl (local.get $step) (i32.const 2))) (local.get $step) (local.get $a2))
            (call $store2 (i32.add (local.get $p) (i32.mul (local.get $step) (i32.const 6))) (local.get $step) (local.get $a3))
            (local.set $x (i32.add (local.get $x) (i32.const 8)))
            (br $blocks)))
        ;; the last w mod 8 pixels one at a time
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $x) (local.get $w)))
            (local.set $base (i32.add (local.get $rowIn) (i32.shl (local.get $x) (i32.const 3))))
            (local.set $s (f64.const 0))
            (local.set $t (i32.const 0))
            (block $tapsDone1
              (loop $taps1
                (br_if $tapsDone1 (i32.ge_u (local.get $t) (local.get $tEnd)))
                (local.set $ws (f64.load (i32.add (local.get $wts) (i32.shl (local.get $t) (i32.const 1)))))
                (local.set $s (f64.add (local.get $s) (f64.mul (local.get $ws)
                  (f64.load (i32.add (local.get $base) (i32.load (i32.add (local.get $offs) (local.get $t))))))))
                (local.set $t (i32.add (local.get $t) (i32.const 4)))
                (br $taps1)))
            (f32.store (i32.add (local.get $rowOut) (i32.mul (local.get $x) (local.get $step))) (f32.demote_f64 (local.get $s)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $tail)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
  )

  ;; two neighbouring results as float32, $step bytes apart
  (func $store2 (param $p i32) (param $step i32) (param $v v128)
    (f32.store (local.get $p) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $v))))
    (f32.store (i32.add (local.get $p) (local.get $step)) (f32.demote_f64 (f64x2.extract_lane 1 (local.get $v)))))
)
