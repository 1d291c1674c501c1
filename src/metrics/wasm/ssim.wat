;; Mean SSIM of one pair of float64 planes with the symmetric 11-tap window (weights g0..g5 at byte 0, g5 the
;; centre), 'valid' filtering, two columns at a time (WebAssembly SIMD, two float64 lanes).
;; Every filtered value is computed with the same expression, in the same order, as the TypeScript fallback
;; in metrics.ts (`hpassRow`, `vtap`, the score), so both give the same bits; row sums keep two partial sums,
;; even and odd columns, in both.
;; Memory: weights at 0 (6 × f64), then the planes and scratch at the byte offsets passed in.
(module
  (memory (export "memory") 1)

  ;; 11-tap window over v128 loads at p, p+8, …, p+80 (two neighbouring outputs)
  (func $tap2 (param $p i32) (param $g0 v128) (param $g1 v128) (param $g2 v128) (param $g3 v128) (param $g4 v128) (param $g5 v128) (result v128)
    (f64x2.add
      (f64x2.add
        (f64x2.add
          (f64x2.add
            (f64x2.add
              (f64x2.mul (local.get $g5) (v128.load offset=40 align=8 (local.get $p)))
              (f64x2.mul (local.get $g4) (f64x2.add (v128.load offset=32 align=8 (local.get $p)) (v128.load offset=48 align=8 (local.get $p)))))
            (f64x2.mul (local.get $g3) (f64x2.add (v128.load offset=24 align=8 (local.get $p)) (v128.load offset=56 align=8 (local.get $p)))))
          (f64x2.mul (local.get $g2) (f64x2.add (v128.load offset=16 align=8 (local.get $p)) (v128.load offset=64 align=8 (local.get $p)))))
        (f64x2.mul (local.get $g1) (f64x2.add (v128.load offset=8 align=8 (local.get $p)) (v128.load offset=72 align=8 (local.get $p)))))
      (f64x2.mul (local.get $g0) (f64x2.add (v128.load align=8 (local.get $p)) (v128.load offset=80 align=8 (local.get $p))))))

  ;; the same for one output
  (func $tap1 (param $p i32) (param $g0 f64) (param $g1 f64) (param $g2 f64) (param $g3 f64) (param $g4 f64) (param $g5 f64) (result f64)
    (f64.add
      (f64.add
        (f64.add
          (f64.add
            (f64.add
              (f64.mul (local.get $g5) (f64.load offset=40 (local.get $p)))
              (f64.mul (local.get $g4) (f64.add (f64.load offset=32 (local.get $p)) (f64.load offset=48 (local.get $p)))))
            (f64.mul (local.get $g3) (f64.add (f64.load offset=24 (local.get $p)) (f64.load offset=56 (local.get $p)))))
          (f64.mul (local.get $g2) (f64.add (f64.load offset=16 (local.get $p)) (f64.load offset=64 (local.get $p)))))
        (f64.mul (local.get $g1) (f64.add (f64.load offset=8 (local.get $p)) (f64.load offset=72 (local.get $p)))))
      (f64.mul (local.get $g0) (f64.add (f64.load (local.get $p)) (f64.load offset=80 (local.get $p))))))

  ;; vertical window at byte offset $c into 11 ring rows (byte offsets $r0..$r10 of the rows of one map)
  (func $vtap2 (param $c i32) (param $r0 i32) (param $r1 i32) (param $r2 i32) (param $r3 i32) (param $r4 i32) (param $r5 i32)
    (param $r6 i32) (param $r7 i32) (param $r8 i32) (param $r9 i32) (param $r10 i32)
    (param $g0 v128) (param $g1 v128) (param $g2 v128) (param $g3 v128) (param $g4 v128) (param $g5 v128) (result v128)
    (f64x2.add
      (f64x2.add
        (f64x2.add
          (f64x2.add
            (f64x2.add
              (f64x2.mul (local.get $g5) (v128.load align=8 (i32.add (local.get $r5) (local.get $c))))
              (f64x2.mul (local.get $g4) (f64x2.add (v128.load align=8 (i32.add (local.get $r4) (local.get $c))) (v128.load align=8 (i32.add (local.get $r6) (local.get $c))))))
            (f64x2.mul (local.get $g3) (f64x2.add (v128.load align=8 (i32.add (local.get $r3) (local.get $c))) (v128.load align=8 (i32.add (local.get $r7) (local.get $c))))))
          (f64x2.mul (local.get $g2) (f64x2.add (v128.load align=8 (i32.add (local.get $r2) (local.get $c))) (v128.load align=8 (i32.add (local.get $r8) (local.get $c))))))
        (f64x2.mul (local.get $g1) (f64x2.add (v128.load align=8 (i32.add (local.get $r1) (local.get $c))) (v128.load align=8 (i32.add (local.get $r9) (local.get $c))))))
      (f64x2.mul (local.get $g0) (f64x2.add (v128.load align=8 (i32.add (local.get $r0) (local.get $c))) (v128.load align=8 (i32.add (local.get $r10) (local.get $c)))))))

  (func $vtap1 (param $c i32) (param $r0 i32) (param $r1 i32) (param $r2 i32) (param $r3 i32) (param $r4 i32) (param $r5 i32)
    (param $r6 i32) (param $r7 i32) (param $r8 i32) (param $r9 i32) (param $r10 i32)
    (param $g0 f64) (param $g1 f64) (param $g2 f64) (param $g3 f64) (param $g4 f64) (param $g5 f64) (result f64)
    (f64.add
      (f64.add
        (f64.add
          (f64.add
            (f64.add
              (f64.mul (local.get $g5) (f64.load (i32.add (local.get $r5) (local.get $c))))
              (f64.mul (local.get $g4) (f64.add (f64.load (i32.add (local.get $r4) (local.get $c))) (f64.load (i32.add (local.get $r6) (local.get $c))))))
            (f64.mul (local.get $g3) (f64.add (f64.load (i32.add (local.get $r3) (local.get $c))) (f64.load (i32.add (local.get $r7) (local.get $c))))))
          (f64.mul (local.get $g2) (f64.add (f64.load (i32.add (local.get $r2) (local.get $c))) (f64.load (i32.add (local.get $r8) (local.get $c))))))
        (f64.mul (local.get $g1) (f64.add (f64.load (i32.add (local.get $r1) (local.get $c))) (f64.load (i32.add (local.get $r9) (local.get $c))))))
      (f64.mul (local.get $g0) (f64.add (f64.load (i32.add (local.get $r0) (local.get $c))) (f64.load (i32.add (local.get $r10) (local.get $c)))))))

  ;; Horizontal pass of input row $row (byte offset of its first value in x and in y: $xr, $yr) into ring
  ;; slot $slot (byte offset within each map) for the maps x, y, x²+y², xy (byte offsets $hx $hy $hsq $hxy).
  (func $hrow (param $xr i32) (param $yr i32) (param $w i32) (param $sq i32) (param $xy i32)
    (param $hx i32) (param $hy i32) (param $hsq i32) (param $hxy i32)
    (local $i i32) (local $end i32) (local $a f64) (local $b f64) (local $vw i32) (local $o i32)
    (local $g0 v128) (local $g1 v128) (local $g2 v128) (local $g3 v128) (local $g4 v128) (local $g5 v128)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64) (local $s4 f64) (local $s5 f64)
    (local.set $s0 (f64.load (i32.const 0))) (local.set $s1 (f64.load (i32.const 8))) (local.set $s2 (f64.load (i32.const 16)))
    (local.set $s3 (f64.load (i32.const 24))) (local.set $s4 (f64.load (i32.const 32))) (local.set $s5 (f64.load (i32.const 40)))
    (local.set $g0 (f64x2.splat (local.get $s0))) (local.set $g1 (f64x2.splat (local.get $s1))) (local.set $g2 (f64x2.splat (local.get $s2)))
    (local.set $g3 (f64x2.splat (local.get $s3))) (local.set $g4 (f64x2.splat (local.get $s4))) (local.set $g5 (f64x2.splat (local.get $s5)))
    ;; sq = a·a + b·b, xy = a·b
    (local.set $end (i32.shl (local.get $w) (i32.const 3)))
    (block $d0 (loop $l0
      (br_if $d0 (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $a (f64.load (i32.add (local.get $xr) (local.get $i))))
      (local.set $b (f64.load (i32.add (local.get $yr) (local.get $i))))
      (f64.store (i32.add (local.get $sq) (local.get $i)) (f64.add (f64.mul (local.get $a) (local.get $a)) (f64.mul (local.get $b) (local.get $b))))
      (f64.store (i32.add (local.get $xy) (local.get $i)) (f64.mul (local.get $a) (local.get $b)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $l0)))
    (local.set $vw (i32.sub (local.get $w) (i32.const 10)))
    ;; pairs of outputs, then an odd last one
    (local.set $end (i32.shl (i32.and (local.get $vw) (i32.const -2)) (i32.const 3)))
    (local.set $o (i32.const 0))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $o) (local.get $end)))
      (v128.store align=8 (i32.add (local.get $hx) (local.get $o)) (call $tap2 (i32.add (local.get $xr) (local.get $o)) (local.get $g0) (local.get $g1) (local.get $g2) (local.get $g3) (local.get $g4) (local.get $g5)))
      (v128.store align=8 (i32.add (local.get $hy) (local.get $o)) (call $tap2 (i32.add (local.get $yr) (local.get $o)) (local.get $g0) (local.get $g1) (local.get $g2) (local.get $g3) (local.get $g4) (local.get $g5)))
      (v128.store align=8 (i32.add (local.get $hsq) (local.get $o)) (call $tap2 (i32.add (local.get $sq) (local.get $o)) (local.get $g0) (local.get $g1) (local.get $g2) (local.get $g3) (local.get $g4) (local.get $g5)))
      (v128.store align=8 (i32.add (local.get $hxy) (local.get $o)) (call $tap2 (i32.add (local.get $xy) (local.get $o)) (local.get $g0) (local.get $g1) (local.get $g2) (local.get $g3) (local.get $g4) (local.get $g5)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l1)))
    (if (i32.and (local.get $vw) (i32.const 1))
      (then
        (f64.store (i32.add (local.get $hx) (local.get $o)) (call $tap1 (i32.add (local.get $xr) (local.get $o)) (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3) (local.get $s4) (local.get $s5)))
        (f64.store (i32.add (local.get $hy) (local.get $o)) (call $tap1 (i32.add (local.get $yr) (local.get $o)) (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3) (local.get $s4) (local.get $s5)))
        (f64.store (i32.add (local.get $hsq) (local.get $o)) (call $tap1 (i32.add (local.get $sq) (local.get $o)) (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3) (local.get $s4) (local.get $s5)))
        (f64.store (i32.add (local.get $hxy) (local.get $o)) (call $tap1 (i32.add (local.get $xy) (local.get $o)) (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3) (local.get $s4) (local.get $s5))))))

  ;; Sum over the VH × VW SSIM map (not yet divided by its size). Scratch at $scr: sq, xy (w each), then the
  ;; four rings of 11 rows × (w − 10).
  (func (export "ssimSum") (param $x i32) (param $y i32) (param $w i32) (param $h i32) (param $scr i32) (param $c1 f64) (param $c2 f64) (result f64)
    (local $vw i32) (local $vh i32) (local $rowB i32) (local $ringB i32) (local $sq i32) (local $xy i32)
    (local $hx i32) (local $hy i32) (local $hsq i32) (local $hxy i32) (local $r i32) (local $t i32) (local $newest i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32) (local $q4 i32) (local $q5 i32)
    (local $q6 i32) (local $q7 i32) (local $q8 i32) (local $q9 i32) (local $q10 i32)
    (local $c i32) (local $cEnd i32)
    (local $g0 v128) (local $g1 v128) (local $g2 v128) (local $g3 v128) (local $g4 v128) (local $g5 v128)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64) (local $s4 f64) (local $s5 f64)
    (local $m1 v128) (local $m2 v128) (local $m11 v128) (local $m22 v128) (local $m12 v128) (local $vs v128) (local $vx v128)
    (local $k1 v128) (local $k2 v128) (local $two v128) (local $acc v128)
    (local $n1 f64) (local $n2 f64) (local $n11 f64) (local $n22 f64) (local $n12 f64)
    (local $total f64) (local $even f64)
    (local.set $s0 (f64.load (i32.const 0))) (local.set $s1 (f64.load (i32.const 8))) (local.set $s2 (f64.load (i32.const 16)))
    (local.set $s3 (f64.load (i32.const 24))) (local.set $s4 (f64.load (i32.const 32))) (local.set $s5 (f64.load (i32.const 40)))
    (local.set $g0 (f64x2.splat (local.get $s0))) (local.set $g1 (f64x2.splat (local.get $s1))) (local.set $g2 (f64x2.splat (local.get $s2)))
    (local.set $g3 (f64x2.splat (local.get $s3))) (local.set $g4 (f64x2.splat (local.get $s4))) (local.set $g5 (f64x2.splat (local.get $s5)))
    (local.set $k1 (f64x2.splat (local.get $c1))) (local.set $k2 (f64x2.splat (local.get $c2))) (local.set $two (f64x2.splat (f64.const 2)))
    (local.set $vw (i32.sub (local.get $w) (i32.const 10)))
    (local.set $vh (i32.sub (local.get $h) (i32.const 10)))
    (local.set $rowB (i32.shl (local.get $w) (i32.const 3)))
    (local.set $ringB (i32.shl (local.get $vw) (i32.const 3)))
    (local.set $sq (local.get $scr))
    (local.set $xy (i32.add (local.get $sq) (local.get $rowB)))
    (local.set $hx (i32.add (local.get $xy) (local.get $rowB)))
    (local.set $hy (i32.add (local.get $hx) (i32.mul (local.get $ringB) (i32.const 11))))
    (local.set $hsq (i32.add (local.get $hy) (i32.mul (local.get $ringB) (i32.const 11))))
    (local.set $hxy (i32.add (local.get $hsq) (i32.mul (local.get $ringB) (i32.const 11))))
    ;; the first ten filtered rows
    (block $d0 (loop $l0
      (br_if $d0 (i32.ge_u (local.get $t) (i32.const 10)))
      (call $hrow
        (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $rowB))) (i32.add (local.get $y) (i32.mul (local.get $t) (local.get $rowB)))
        (local.get $w) (local.get $sq) (local.get $xy)
        (i32.add (local.get $hx) (i32.mul (local.get $t) (local.get $ringB))) (i32.add (local.get $hy) (i32.mul (local.get $t) (local.get $ringB)))
        (i32.add (local.get $hsq) (i32.mul (local.get $t) (local.get $ringB))) (i32.add (local.get $hxy) (i32.mul (local.get $t) (local.get $ringB))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $l0)))
    (local.set $cEnd (i32.shl (i32.and (local.get $vw) (i32.const -2)) (i32.const 3)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $r) (local.get $vh)))
      (local.set $newest (i32.add (local.get $r) (i32.const 10)))
      (local.set $t (i32.mul (i32.rem_u (local.get $newest) (i32.const 11)) (local.get $ringB)))
      (call $hrow
        (i32.add (local.get $x) (i32.mul (local.get $newest) (local.get $rowB))) (i32.add (local.get $y) (i32.mul (local.get $newest) (local.get $rowB)))
        (local.get $w) (local.get $sq) (local.get $xy)
        (i32.add (local.get $hx) (local.get $t)) (i32.add (local.get $hy) (local.get $t))
        (i32.add (local.get $hsq) (local.get $t)) (i32.add (local.get $hxy) (local.get $t)))
      ;; ring offsets (bytes) of rows r .. r+10
      (local.set $q0 (i32.mul (i32.rem_u (local.get $r) (i32.const 11)) (local.get $ringB)))
      (local.set $q1 (i32.mul (i32.rem_u (i32.add (local.get $r) (i32.const 1)) (i32.const 11)) (local.get $ringB)))
      (local.set $q2 (i32.mul (i32.rem_u (i32.add (local.get $r) (i32.const 2)) (i32.const 11)) (local.get $ringB)))
      (local.set $q3 (i32.mul (i32.rem_u (i32.add (local.get $r) (i32.const 3)) (i32.const 11)) (local.get $ringB)))
      (local.set $q4 (i32.mul (i32.rem_u (i32.add (local.get $r) (i32.const 4)) (i32.const 11)) (local.get $ringB)))
      (local.set $q5 (i32.mul (i32.rem_u (i32.add (local.get $r) (i32.const 5)) (i32.const 11)) (local.get $ringB)))
      (local.set $q6 (i32.mul (i32.rem_u (i32.add (local.get $r) (i32.const 6)) (i32.const 11)) (local.get $ringB)))
      (local.set $q7 (i32.mul (i32.rem_u (i32.add (local.get $r) (i32.const 7)) (i32.const 11)) (local.get $ringB)))
      (local.set $q8 (i32.mul (i32.rem_u (i32.add (local.get $r) (i32.const 8)) (i32.const 11)) (local.get $ringB)))
      (local.set $q9 (i32.mul (i32.rem_u (i32.add (local.get $r) (i32.const 9)) (i32.const 11)) (local.get $ringB)))
      (local.set $q10 (i32.mul (i32.rem_u (i32.add (local.get $r) (i32.const 10)) (i32.const 11)) (local.get $ringB)))
      (local.set $acc (v128.const f64x2 0 0))
      (local.set $c (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $c) (local.get $cEnd)))
        (local.set $m1 (call $vtap2 (i32.add (local.get $hx) (local.get $c)) (local.get $q0) (local.get $q1) (local.get $q2) (local.get $q3) (local.get $q4) (local.get $q5) (local.get $q6) (local.get $q7) (local.get $q8) (local.get $q9) (local.get $q10) (local.get $g0) (local.get $g1) (local.get $g2) (local.get $g3) (local.get $g4) (local.get $g5)))
        (local.set $m2 (call $vtap2 (i32.add (local.get $hy) (local.get $c)) (local.get $q0) (local.get $q1) (local.get $q2) (local.get $q3) (local.get $q4) (local.get $q5) (local.get $q6) (local.get $q7) (local.get $q8) (local.get $q9) (local.get $q10) (local.get $g0) (local.get $g1) (local.get $g2) (local.get $g3) (local.get $g4) (local.get $g5)))
        (local.set $m11 (f64x2.mul (local.get $m1) (local.get $m1)))
        (local.set $m22 (f64x2.mul (local.get $m2) (local.get $m2)))
        (local.set $m12 (f64x2.mul (local.get $m1) (local.get $m2)))
        (local.set $vs (f64x2.sub (f64x2.sub
          (call $vtap2 (i32.add (local.get $hsq) (local.get $c)) (local.get $q0) (local.get $q1) (local.get $q2) (local.get $q3) (local.get $q4) (local.get $q5) (local.get $q6) (local.get $q7) (local.get $q8) (local.get $q9) (local.get $q10) (local.get $g0) (local.get $g1) (local.get $g2) (local.get $g3) (local.get $g4) (local.get $g5))
          (local.get $m11)) (local.get $m22)))
        (local.set $vx (f64x2.sub
          (call $vtap2 (i32.add (local.get $hxy) (local.get $c)) (local.get $q0) (local.get $q1) (local.get $q2) (local.get $q3) (local.get $q4) (local.get $q5) (local.get $q6) (local.get $q7) (local.get $q8) (local.get $q9) (local.get $q10) (local.get $g0) (local.get $g1) (local.get $g2) (local.get $g3) (local.get $g4) (local.get $g5))
          (local.get $m12)))
        ;; ((2·m12 + C1)(2·s12 + C2)) / ((m11 + m22 + C1)(s1 + s2 + C2))
        (local.set $acc (f64x2.add (local.get $acc)
          (f64x2.div
            (f64x2.mul (f64x2.add (f64x2.mul (local.get $two) (local.get $m12)) (local.get $k1))
                       (f64x2.add (f64x2.mul (local.get $two) (local.get $vx)) (local.get $k2)))
            (f64x2.mul (f64x2.add (f64x2.add (local.get $m11) (local.get $m22)) (local.get $k1))
                       (f64x2.add (local.get $vs) (local.get $k2))))))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $l2)))
      (local.set $even (f64x2.extract_lane 0 (local.get $acc)))
      (if (i32.and (local.get $vw) (i32.const 1))
        (then
          (local.set $n1 (call $vtap1 (i32.add (local.get $hx) (local.get $c)) (local.get $q0) (local.get $q1) (local.get $q2) (local.get $q3) (local.get $q4) (local.get $q5) (local.get $q6) (local.get $q7) (local.get $q8) (local.get $q9) (local.get $q10) (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3) (local.get $s4) (local.get $s5)))
          (local.set $n2 (call $vtap1 (i32.add (local.get $hy) (local.get $c)) (local.get $q0) (local.get $q1) (local.get $q2) (local.get $q3) (local.get $q4) (local.get $q5) (local.get $q6) (local.get $q7) (local.get $q8) (local.get $q9) (local.get $q10) (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3) (local.get $s4) (local.get $s5)))
          (local.set $n11 (f64.mul (local.get $n1) (local.get $n1)))
          (local.set $n22 (f64.mul (local.get $n2) (local.get $n2)))
          (local.set $n12 (f64.mul (local.get $n1) (local.get $n2)))
          (local.set $even (f64.add (local.get $even)
            (f64.div
              (f64.mul (f64.add (f64.mul (f64.const 2) (local.get $n12)) (local.get $c1))
                       (f64.add (f64.mul (f64.const 2)
                         (f64.sub (call $vtap1 (i32.add (local.get $hxy) (local.get $c)) (local.get $q0) (local.get $q1) (local.get $q2) (local.get $q3) (local.get $q4) (local.get $q5) (local.get $q6) (local.get $q7) (local.get $q8) (local.get $q9) (local.get $q10) (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3) (local.get $s4) (local.get $s5)) (local.get $n12)))
                         (local.get $c2)))
              (f64.mul (f64.add (f64.add (local.get $n11) (local.get $n22)) (local.get $c1))
                       (f64.add (f64.sub (f64.sub
                         (call $vtap1 (i32.add (local.get $hsq) (local.get $c)) (local.get $q0) (local.get $q1) (local.get $q2) (local.get $q3) (local.get $q4) (local.get $q5) (local.get $q6) (local.get $q7) (local.get $q8) (local.get $q9) (local.get $q10) (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3) (local.get $s4) (local.get $s5))
                         (local.get $n11)) (local.get $n22)) (local.get $c2))))))))
      (local.set $total (f64.add (local.get $total) (f64.add (local.get $even) (f64x2.extract_lane 1 (local.get $acc)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $l1)))
    (local.get $total))
;; q(x) = clip(round(255x), 0, 255) with ties to even, as `toByte` (NaN → 0)
  (func $byte (param $x f32) (result f64)
    (local $v f64)
    (local.set $v (f64.mul (f64.promote_f32 (local.get $x)) (f64.const 255)))
    (select (f64.const 0)
      (select (f64.const 255) (f64.nearest (local.get $v)) (f64.ge (local.get $v) (f64.const 255)))
      (i32.eqz (f64.gt (local.get $v) (f64.const 0)))))

  ;; One metric plane (0..255 scale, float64, w × h at $out) from the interleaved float32 image at $src
  ;; ($imgW pixels per row, $ch channels), starting at pixel ($crop, $crop). $luma = 0: channel $c after q(·);
  ;; $luma = 1: Y = 65.481·R/255 + 128.553·G/255 + 24.966·B/255 + 16 of the q(·) bytes, summed in that order
  ;; (the lookup tables of metricPlanes hold exactly these quotients).
  (func (export "plane") (param $src i32) (param $imgW i32) (param $ch i32) (param $c i32) (param $crop i32)
    (param $w i32) (param $h i32) (param $luma i32) (param $out i32)
    (local $y i32) (local $x i32) (local $i i32) (local $step i32)
    (local.set $step (i32.shl (local.get $ch) (i32.const 2)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $h)))
      (local.set $i (i32.add (local.get $src) (i32.shl
        (i32.add (i32.mul (i32.add (i32.mul (i32.add (local.get $y) (local.get $crop)) (local.get $imgW)) (local.get $crop)) (local.get $ch)) (local.get $c))
        (i32.const 2))))
      (local.set $x (i32.const 0))
      (block $colsDone (loop $cols
        (br_if $colsDone (i32.ge_u (local.get $x) (local.get $w)))
        (if (local.get $luma)
          (then (f64.store (local.get $out) (f64.add (f64.add (f64.add
            (f64.div (f64.mul (f64.const 65.481) (call $byte (f32.load (local.get $i)))) (f64.const 255))
            (f64.div (f64.mul (f64.const 128.553) (call $byte (f32.load offset=4 (local.get $i)))) (f64.const 255)))
            (f64.div (f64.mul (f64.const 24.966) (call $byte (f32.load offset=8 (local.get $i)))) (f64.const 255)))
            (f64.const 16))))
          (else (f64.store (local.get $out) (call $byte (f32.load (local.get $i))))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (local.get $step)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $cols)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $rows))))
)
