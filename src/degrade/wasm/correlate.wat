;; 2-D correlation of one reflect-padded float32 plane with a list of taps (WebAssembly SIMD).
;; The taps come in groups of whole kernel rows. For every output pixel
;;   o(y, x) = Σ_groups f64( Σ_{taps t of the group, in order} w[t] · plane[y·PW + x + off[t]] )
;; where the inner sums are float32 (four lanes, 24 pixels per block) and the outer sum is float64, in group
;; order. f32x4/f64x2 lanes round exactly like scalar f32/f64 arithmetic (no fused multiply-add), so the result
;; is bit-identical to the TypeScript twin on every engine. Float32 row sums halve the work of an all-float64
;; loop; summing groups of at most ~40 taps in float64 keeps the error near float32 rounding (≤ 3e-7 measured).
;; `pad` gathers a padded plane from the float32 image through row and column tables, and `correlate` writes
;; its results as float32, $step bytes apart (demote rounds to nearest even, like a store into a Float32Array),
;; so no per-pixel work is left to JavaScript. filter.ts pads the interleaved image as one plane of PW·C floats
;; per row and scales the tap offsets by C: every channel takes the same kernel.
;; All addresses are byte offsets into this module's memory.
(module
  (memory (export "memory") 1)

  ;; plane[y·pw + x] = src[rowAt[y] + colAt[x]] for y < ph, x < pw. rowAt/colAt are i32 byte offsets
  ;; (the reflected source row start, and the reflected source column plus the channel). Between the float
  ;; indices $lo and $hi the caller promises colAt[x + 1] = colAt[x] + 4 (the unreflected middle of a row):
  ;; that run is one memory.copy; only the reflected borders go through the column table.
  (func (export "pad")
    (param $src i32) (param $rowAt i32) (param $colAt i32) (param $pw i32) (param $ph i32) (param $plane i32)
    (param $lo i32) (param $hi i32)
    (local $y i32) (local $x i32) (local $row i32) (local $o i32) (local $xEnd i32) (local $loB i32) (local $hiB i32)
    (local.set $xEnd (i32.shl (local.get $pw) (i32.const 2)))
    (local.set $loB (i32.shl (local.get $lo) (i32.const 2)))
    (local.set $hiB (i32.shl (local.get $hi) (i32.const 2)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $ph)))
        (local.set $row (i32.add (local.get $src) (i32.load (i32.add (local.get $rowAt) (i32.shl (local.get $y) (i32.const 2))))))
        (local.set $o (i32.add (local.get $plane) (i32.mul (local.get $y) (local.get $xEnd))))
        (local.set $x (i32.const 0))
        (block $leftDone
          (loop $left
            (br_if $leftDone (i32.ge_u (local.get $x) (local.get $loB)))
            (f32.store (i32.add (local.get $o) (local.get $x)) (f32.load (i32.add (local.get $row) (i32.load (i32.add (local.get $colAt) (local.get $x))))))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $left)))
        (memory.copy (i32.add (local.get $o) (local.get $loB))
          (i32.add (local.get $row) (i32.load (i32.add (local.get $colAt) (local.get $loB))))
          (i32.sub (local.get $hiB) (local.get $loB)))
        (local.set $x (local.get $hiB))
        (block $rightDone
          (loop $right
            (br_if $rightDone (i32.ge_u (local.get $x) (local.get $xEnd)))
            (f32.store (i32.add (local.get $o) (local.get $x)) (f32.load (i32.add (local.get $row) (i32.load (i32.add (local.get $colAt) (local.get $x))))))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $right)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows))))

  ;; out[q] = a[q] + b[q] for q < n (float32, four at a time; the same rounding as scalar adds): the row-pair
  ;; planes of a vertically symmetric kernel (filter.ts `pairPlanes`)
  (func (export "addPlanes") (param $a i32) (param $b i32) (param $out i32) (param $n i32)
    (local $q i32) (local $end i32) (local $end4 i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $q) (local.get $end4)))
      (v128.store align=4 (i32.add (local.get $out) (local.get $q))
        (f32x4.add (v128.load align=4 (i32.add (local.get $a) (local.get $q))) (v128.load align=4 (i32.add (local.get $b) (local.get $q)))))
      (local.set $q (i32.add (local.get $q) (i32.const 16)))
      (br $vec)))
    (block $done1 (loop $one
      (br_if $done1 (i32.ge_u (local.get $q) (local.get $end)))
      (f32.store (i32.add (local.get $out) (local.get $q))
        (f32.add (f32.load (i32.add (local.get $a) (local.get $q))) (f32.load (i32.add (local.get $b) (local.get $q)))))
      (local.set $q (i32.add (local.get $q) (i32.const 4)))
      (br $one))))

  ;; $taps: one 32-byte record per tap, 16-aligned: its float32 weight in all four lanes (bytes 0–15, so the
  ;; inner loop loads it instead of splatting it) and its i32 byte offset in the plane (bytes 16–19).
  ;; $ends: for each of the $ngroups row groups, the byte offset into $taps where it ends (taps [previous end,
  ;; end) belong to the group).
  ;; $out: the first value of this channel in the interleaved float32 output; $step: bytes between pixels.
  ;; $acc: 192 bytes of scratch (16-aligned) for a block's float64 totals.
  (func (export "correlate")
    (param $plane i32) (param $pw i32) (param $out i32) (param $step i32) (param $w i32) (param $h i32)
    (param $taps i32) (param $ends i32) (param $ngroups i32) (param $acc i32)
    (local $y i32) (local $x i32) (local $t i32) (local $tEnd i32) (local $g i32) (local $gEnd i32)
    (local $rowIn i32) (local $rowOut i32) (local $base i32) (local $p i32) (local $wBlocks i32)
    (local $wv v128) (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $r4 v128) (local $r5 v128)
    (local $ws f32) (local $rs f32) (local $s f64)
    (local.set $gEnd (i32.shl (local.get $ngroups) (i32.const 2)))
    ;; x limit for the 24-pixel blocks: w rounded down to a multiple of 24
    (local.set $wBlocks (i32.sub (local.get $w) (i32.rem_u (local.get $w) (i32.const 24))))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $h)))
        (local.set $rowIn (i32.add (local.get $plane) (i32.shl (i32.mul (local.get $y) (local.get $pw)) (i32.const 2))))
        (local.set $rowOut (i32.add (local.get $out) (i32.mul (i32.mul (local.get $y) (local.get $w)) (local.get $step))))
        (local.set $x (i32.const 0))
        ;; 24 output pixels at a time: six float32x4 group sums (six independent add chains: the loop is bound by
        ;; the adds' latency, so more chains are faster, up to what fits in registers — eight spilled in V8), the
        ;; float64 totals in the 192-byte scratch at $acc, touched once per group
        ;; past the last full block: if the row is ragged, one more block ending at the row's end (it recomputes
        ;; a few pixels, with identical results since every pixel's sums are independent)
        (block $blocksDone
          (loop $blocks
            (if (i32.ge_u (local.get $x) (local.get $wBlocks))
              (then
                (br_if $blocksDone (i32.or (i32.eq (local.get $x) (local.get $w)) (i32.lt_u (local.get $w) (i32.const 24))))
                (local.set $x (i32.sub (local.get $w) (i32.const 24)))))
            (local.set $base (i32.add (local.get $rowIn) (i32.shl (local.get $x) (i32.const 2))))
            (v128.store offset=0 (local.get $acc) (v128.const f64x2 0 0))
            (v128.store offset=16 (local.get $acc) (v128.const f64x2 0 0))
            (v128.store offset=32 (local.get $acc) (v128.const f64x2 0 0))
            (v128.store offset=48 (local.get $acc) (v128.const f64x2 0 0))
            (v128.store offset=64 (local.get $acc) (v128.const f64x2 0 0))
            (v128.store offset=80 (local.get $acc) (v128.const f64x2 0 0))
            (v128.store offset=96 (local.get $acc) (v128.const f64x2 0 0))
            (v128.store offset=112 (local.get $acc) (v128.const f64x2 0 0))
            (v128.store offset=128 (local.get $acc) (v128.const f64x2 0 0))
            (v128.store offset=144 (local.get $acc) (v128.const f64x2 0 0))
            (v128.store offset=160 (local.get $acc) (v128.const f64x2 0 0))
            (v128.store offset=176 (local.get $acc) (v128.const f64x2 0 0))
            (local.set $t (i32.const 0))
            (local.set $g (i32.const 0))
            (block $groupsDone
              (loop $groups
                (br_if $groupsDone (i32.ge_u (local.get $g) (local.get $gEnd)))
                (local.set $tEnd (i32.load (i32.add (local.get $ends) (local.get $g))))
                (local.set $r0 (v128.const f32x4 0 0 0 0))
                (local.set $r1 (v128.const f32x4 0 0 0 0))
                (local.set $r2 (v128.const f32x4 0 0 0 0))
                (local.set $r3 (v128.const f32x4 0 0 0 0))
                (local.set $r4 (v128.const f32x4 0 0 0 0))
                (local.set $r5 (v128.const f32x4 0 0 0 0))
                (block $tapsDone
                  (loop $taps
                    (br_if $tapsDone (i32.ge_u (local.get $t) (local.get $tEnd)))
                    (local.set $wv (v128.load (i32.add (local.get $taps) (local.get $t))))
                    (local.set $p (i32.add (local.get $base) (i32.load offset=16 (i32.add (local.get $taps) (local.get $t)))))
                    (local.set $r0 (f32x4.add (local.get $r0) (f32x4.mul (local.get $wv) (v128.load offset=0 align=4 (local.get $p)))))
                    (local.set $r1 (f32x4.add (local.get $r1) (f32x4.mul (local.get $wv) (v128.load offset=16 align=4 (local.get $p)))))
                    (local.set $r2 (f32x4.add (local.get $r2) (f32x4.mul (local.get $wv) (v128.load offset=32 align=4 (local.get $p)))))
                    (local.set $r3 (f32x4.add (local.get $r3) (f32x4.mul (local.get $wv) (v128.load offset=48 align=4 (local.get $p)))))
                    (local.set $r4 (f32x4.add (local.get $r4) (f32x4.mul (local.get $wv) (v128.load offset=64 align=4 (local.get $p)))))
                    (local.set $r5 (f32x4.add (local.get $r5) (f32x4.mul (local.get $wv) (v128.load offset=80 align=4 (local.get $p)))))
                    (local.set $t (i32.add (local.get $t) (i32.const 32)))
                    (br $taps)))
                (v128.store offset=0 (local.get $acc) (f64x2.add (v128.load offset=0 (local.get $acc)) (f64x2.promote_low_f32x4 (local.get $r0))))
                (v128.store offset=16 (local.get $acc) (f64x2.add (v128.load offset=16 (local.get $acc)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $r0) (local.get $r0)))))
                (v128.store offset=32 (local.get $acc) (f64x2.add (v128.load offset=32 (local.get $acc)) (f64x2.promote_low_f32x4 (local.get $r1))))
                (v128.store offset=48 (local.get $acc) (f64x2.add (v128.load offset=48 (local.get $acc)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $r1) (local.get $r1)))))
                (v128.store offset=64 (local.get $acc) (f64x2.add (v128.load offset=64 (local.get $acc)) (f64x2.promote_low_f32x4 (local.get $r2))))
                (v128.store offset=80 (local.get $acc) (f64x2.add (v128.load offset=80 (local.get $acc)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $r2) (local.get $r2)))))
                (v128.store offset=96 (local.get $acc) (f64x2.add (v128.load offset=96 (local.get $acc)) (f64x2.promote_low_f32x4 (local.get $r3))))
                (v128.store offset=112 (local.get $acc) (f64x2.add (v128.load offset=112 (local.get $acc)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $r3) (local.get $r3)))))
                (v128.store offset=128 (local.get $acc) (f64x2.add (v128.load offset=128 (local.get $acc)) (f64x2.promote_low_f32x4 (local.get $r4))))
                (v128.store offset=144 (local.get $acc) (f64x2.add (v128.load offset=144 (local.get $acc)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $r4) (local.get $r4)))))
                (v128.store offset=160 (local.get $acc) (f64x2.add (v128.load offset=160 (local.get $acc)) (f64x2.promote_low_f32x4 (local.get $r5))))
                (v128.store offset=176 (local.get $acc) (f64x2.add (v128.load offset=176 (local.get $acc)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $r5) (local.get $r5)))))
                (local.set $g (i32.add (local.get $g) (i32.const 4)))
                (br $groups)))
            (local.set $p (i32.add (local.get $rowOut) (i32.mul (local.get $x) (local.get $step))))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=0 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=8 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=16 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=24 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=32 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=40 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=48 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=56 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=64 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=72 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=80 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=88 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=96 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=104 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=112 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=120 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=128 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=136 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=144 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=152 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=160 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=168 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=176 (local.get $acc))))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (f32.store (local.get $p) (f32.demote_f64 (f64.load offset=184 (local.get $acc))))
            (local.set $x (i32.add (local.get $x) (i32.const 24)))
            (br $blocks)))
        ;; rows narrower than 24 pixels: one pixel at a time, with the same sums
        (if (i32.ge_u (local.get $w) (i32.const 24)) (then (local.set $x (local.get $w))))
                (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $x) (local.get $w)))
            (local.set $base (i32.add (local.get $rowIn) (i32.shl (local.get $x) (i32.const 2))))
            (local.set $s (f64.const 0))
            (local.set $t (i32.const 0))
            (local.set $g (i32.const 0))
            (block $groupsDone1
              (loop $groups1
                (br_if $groupsDone1 (i32.ge_u (local.get $g) (local.get $gEnd)))
                (local.set $tEnd (i32.load (i32.add (local.get $ends) (local.get $g))))
                (local.set $rs (f32.const 0))
                (block $tapsDone1
                  (loop $taps1
                    (br_if $tapsDone1 (i32.ge_u (local.get $t) (local.get $tEnd)))
                    (local.set $ws (f32.load (i32.add (local.get $taps) (local.get $t))))
                    (local.set $rs (f32.add (local.get $rs) (f32.mul (local.get $ws)
                      (f32.load (i32.add (local.get $base) (i32.load offset=16 (i32.add (local.get $taps) (local.get $t))))))))
                    (local.set $t (i32.add (local.get $t) (i32.const 32)))
                    (br $taps1)))
                (local.set $s (f64.add (local.get $s) (f64.promote_f32 (local.get $rs))))
                (local.set $g (i32.add (local.get $g) (i32.const 4)))
                (br $groups1)))
            (f32.store (i32.add (local.get $rowOut) (i32.mul (local.get $x) (local.get $step))) (f32.demote_f64 (local.get $s)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $tail)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
  )
)
