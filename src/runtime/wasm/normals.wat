;; Standard normals for the project RNG (runtime/rng.ts `Rng.fillNormal`), bit for bit: xoshiro128** steps, the
;; Marsaglia polar method and the fdlibm log port `detLogOpenUnit`, written with the same IEEE double operations in
;; the same order as the TypeScript (no fused multiply-adds exist in WebAssembly), so every value is identical.
;; Memory: the generator state as four i32 words at byte 0 (read and written back), outputs as f64 from `out`.
;; `pairs(out, n)` writes n pairs (u·m, v·m). Needs WebAssembly SIMD (f64x2) for the second pass; without it the module
;; does not compile and rng.ts draws in TypeScript.
(module
  (memory (export "memory") 1)
  (global $s0 (mut i32) (i32.const 0))
  (global $s1 (mut i32) (i32.const 0))
  (global $s2 (mut i32) (i32.const 0))
  (global $s3 (mut i32) (i32.const 0))

  ;; xoshiro128**: the next output as an unsigned value in f64
  (func $next (result f64)
    (local $r i32) (local $t i32)
    (local.set $r (i32.mul (i32.rotl (i32.mul (global.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
    (local.set $t (i32.shl (global.get $s1) (i32.const 9)))
    (global.set $s2 (i32.xor (global.get $s2) (global.get $s0)))
    (global.set $s3 (i32.xor (global.get $s3) (global.get $s1)))
    (global.set $s1 (i32.xor (global.get $s1) (global.get $s2)))
    (global.set $s0 (i32.xor (global.get $s0) (global.get $s3)))
    (global.set $s2 (i32.xor (global.get $s2) (local.get $t)))
    (global.set $s3 (i32.rotl (global.get $s3) (i32.const 11)))
    (f64.convert_i32_u (local.get $r)))

  ;; log(x) for 0 < x < 1: detLogOpenUnit and logTail of rng.ts
  (func $log (param $x f64) (result f64)
    (local $m f64) (local $k i32) (local $hx i32) (local $f f64) (local $s f64) (local $dk f64)
    (local $z f64) (local $w f64) (local $i i32) (local $t1 f64) (local $t2 f64) (local $R f64) (local $hfsq f64)
    (local $bits i64) (local $big i32)
    ;; x = m·2^k with m in [1, 2) from the bits (x is a normal number here): what the doubling loop computes
    (local.set $bits (i64.reinterpret_f64 (local.get $x)))
    (local.set $k (i32.sub (i32.wrap_i64 (i64.shr_u (local.get $bits) (i64.const 52))) (i32.const 1023)))
    (local.set $hx (i32.and (i32.wrap_i64 (i64.shr_u (local.get $bits) (i64.const 32))) (i32.const 0x000fffff)))
    (local.set $m (f64.reinterpret_i64 (i64.or (i64.and (local.get $bits) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000))))
    ;; m ≥ about √2: halve it (a select, not a branch: it goes either way half the time)
    (local.set $big (i32.ge_s (local.get $hx) (i32.const 0x6a09c)))
    (local.set $m (select (f64.mul (local.get $m) (f64.const 0.5)) (local.get $m) (local.get $big)))
    (local.set $k (i32.add (local.get $k) (local.get $big)))
    (local.set $f (f64.sub (local.get $m) (f64.const 1)))
    (local.set $dk (f64.convert_i32_s (local.get $k)))
    ;; |f| < 2^-20: the short series
    (if (i32.lt_s (i32.and (i32.const 0x000fffff) (i32.add (i32.const 2) (local.get $hx))) (i32.const 3))
      (then
        (if (f64.eq (local.get $f) (f64.const 0))
          (then
            (if (i32.eqz (local.get $k)) (then (return (f64.const 0))))
            (return (f64.add (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
                             (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10))))))
        (local.set $R (f64.mul (f64.mul (local.get $f) (local.get $f))
                               (f64.sub (f64.const 0.5) (f64.mul (f64.const 0.33333333333333333) (local.get $f)))))
        (if (i32.eqz (local.get $k)) (then (return (f64.sub (local.get $f) (local.get $R)))))
        (return (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
                         (f64.sub (f64.sub (local.get $R) (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10)))
                                  (local.get $f))))))
    (local.set $s (f64.div (local.get $f) (f64.add (f64.const 2) (local.get $f))))
    (local.set $z (f64.mul (local.get $s) (local.get $s)))
    (local.set $i (i32.sub (local.get $hx) (i32.const 0x6147a)))
    (local.set $w (f64.mul (local.get $z) (local.get $z)))
    (local.set $t1 (f64.mul (local.get $w)
      (f64.add (f64.const 3.999999999940941908e-01)
        (f64.mul (local.get $w) (f64.add (f64.const 2.222219843214978396e-01)
          (f64.mul (local.get $w) (f64.const 1.531383769920937332e-01)))))))
    (local.set $t2 (f64.mul (local.get $z)
      (f64.add (f64.const 6.666666666666735130e-01)
        (f64.mul (local.get $w) (f64.add (f64.const 2.857142874366239149e-01)
          (f64.mul (local.get $w) (f64.add (f64.const 1.818357216161805012e-01)
            (f64.mul (local.get $w) (f64.const 1.479819860511658591e-01)))))))))
    (local.set $i (i32.or (local.get $i) (i32.sub (i32.const 0x6b851) (local.get $hx))))
    (local.set $R (f64.add (local.get $t2) (local.get $t1)))
    (if (i32.gt_s (local.get $i) (i32.const 0))
      (then
        (local.set $hfsq (f64.mul (f64.mul (f64.const 0.5) (local.get $f)) (local.get $f)))
        (if (i32.eqz (local.get $k))
          (then (return (f64.sub (local.get $f)
            (f64.sub (local.get $hfsq) (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $R))))))))
        (return (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
          (f64.sub
            (f64.sub (local.get $hfsq)
              (f64.add (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $R)))
                       (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10))))
            (local.get $f))))))
    ;; k = 0 or not: both forms, then a select (k is 0 for about a third of the draws)
    (select
      (f64.sub (local.get $f) (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $R))))
      (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
        (f64.sub
          (f64.sub (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $R)))
                   (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10)))
          (local.get $f)))
      (i32.eqz (local.get $k))))

    ;; The pair at p: (u, v) → (u·m, v·m), m = √(−2·log s / s).
  (func $scaleOne (param $p i32)
    (local $u f64) (local $v f64) (local $s f64) (local $m f64)
    (local.set $u (f64.load (local.get $p)))
    (local.set $v (f64.load offset=8 (local.get $p)))
    (local.set $s (f64.add (f64.mul (local.get $u) (local.get $u)) (f64.mul (local.get $v) (local.get $v))))
    (local.set $m (f64.sqrt (f64.div (f64.mul (f64.const -2) (call $log (local.get $s))) (local.get $s))))
    (f64.store (local.get $p) (f64.mul (local.get $u) (local.get $m)))
    (f64.store offset=8 (local.get $p) (f64.mul (local.get $v) (local.get $m))))

  ;; The two pairs at p in f64x2 lanes: `$log`'s operations lane by lane, every branch computed and selected.
  ;; Returns 1 (and stores nothing) when a lane needs the rare short-series branch; the caller then does both in scalar.
  (func $scaleTwo (param $p i32) (result i32)
    (local $p0 v128) (local $p1 v128) (local $u v128) (local $v v128) (local $s v128) (local $hi v128) (local $hx v128)
    (local $k v128) (local $big v128) (local $m v128) (local $f v128) (local $dk v128) (local $q v128) (local $z v128)
    (local $w v128) (local $t1 v128) (local $t2 v128) (local $r v128) (local $hfsq v128) (local $ipos v128) (local $k0 v128)
    (local $lhi v128) (local $llo v128) (local $log v128) (local $mm v128) (local $um v128) (local $vm v128)
    (local.set $p0 (v128.load (local.get $p)))
    (local.set $p1 (v128.load offset=16 (local.get $p)))
    (local.set $u (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $p0) (local.get $p1)))
    (local.set $v (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $p0) (local.get $p1)))
    (local.set $s (f64x2.add (f64x2.mul (local.get $u) (local.get $u)) (f64x2.mul (local.get $v) (local.get $v))))
    ;; the high words of both lanes in i32 lanes 0 and 1 (and again in 2 and 3)
    (local.set $hi (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15 (local.get $s) (local.get $s)))
    (local.set $hx (v128.and (local.get $hi) (v128.const i32x4 0x000fffff 0x000fffff 0x000fffff 0x000fffff)))
    ;; rare branch in either lane: (0xfffff & (2 + hx)) < 3
    (if (v128.any_true (i32x4.lt_s
          (v128.and (i32x4.add (local.get $hx) (v128.const i32x4 2 2 2 2)) (v128.const i32x4 0x000fffff 0x000fffff 0x000fffff 0x000fffff))
          (v128.const i32x4 3 3 3 3)))
      (then (return (i32.const 1))))
    (local.set $big (i32x4.ge_s (local.get $hx) (v128.const i32x4 0x6a09c 0x6a09c 0x6a09c 0x6a09c)))
    (local.set $k (i32x4.sub (i32x4.sub (i32x4.shr_u (local.get $hi) (i32.const 20)) (v128.const i32x4 1023 1023 1023 1023))
                             (local.get $big)))
    (local.set $m (v128.or (v128.and (local.get $s) (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff))
                           (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000)))
    (local.set $m (v128.bitselect (f64x2.mul (local.get $m) (v128.const f64x2 0.5 0.5)) (local.get $m)
                                  (i64x2.extend_low_i32x4_s (local.get $big))))
    (local.set $f (f64x2.sub (local.get $m) (v128.const f64x2 1 1)))
    (local.set $dk (f64x2.convert_low_i32x4_s (local.get $k)))
    (local.set $q (f64x2.div (local.get $f) (f64x2.add (v128.const f64x2 2 2) (local.get $f))))
    (local.set $z (f64x2.mul (local.get $q) (local.get $q)))
    (local.set $w (f64x2.mul (local.get $z) (local.get $z)))
    (local.set $t1 (f64x2.mul (local.get $w)
      (f64x2.add (v128.const f64x2 3.999999999940941908e-01 3.999999999940941908e-01)
        (f64x2.mul (local.get $w) (f64x2.add (v128.const f64x2 2.222219843214978396e-01 2.222219843214978396e-01)
          (f64x2.mul (local.get $w) (v128.const f64x2 1.531383769920937332e-01 1.531383769920937332e-01)))))))
    (local.set $t2 (f64x2.mul (local.get $z)
      (f64x2.add (v128.const f64x2 6.666666666666735130e-01 6.666666666666735130e-01)
        (f64x2.mul (local.get $w) (f64x2.add (v128.const f64x2 2.857142874366239149e-01 2.857142874366239149e-01)
          (f64x2.mul (local.get $w) (f64x2.add (v128.const f64x2 1.818357216161805012e-01 1.818357216161805012e-01)
            (f64x2.mul (local.get $w) (v128.const f64x2 1.479819860511658591e-01 1.479819860511658591e-01)))))))))
    (local.set $r (f64x2.add (local.get $t2) (local.get $t1)))
    (local.set $ipos (i64x2.extend_low_i32x4_s (i32x4.gt_s
      (v128.or (i32x4.sub (local.get $hx) (v128.const i32x4 0x6147a 0x6147a 0x6147a 0x6147a))
               (i32x4.sub (v128.const i32x4 0x6b851 0x6b851 0x6b851 0x6b851) (local.get $hx)))
      (v128.const i32x4 0 0 0 0))))
    (local.set $k0 (i64x2.extend_low_i32x4_s (i32x4.eq (local.get $k) (v128.const i32x4 0 0 0 0))))
    (local.set $hfsq (f64x2.mul (f64x2.mul (v128.const f64x2 0.5 0.5) (local.get $f)) (local.get $f)))
    ;; i > 0: hfsq forms; otherwise the short forms; each for k = 0 and k ≠ 0
    (local.set $lhi (v128.bitselect
      (f64x2.sub (local.get $f) (f64x2.sub (local.get $hfsq) (f64x2.mul (local.get $q) (f64x2.add (local.get $hfsq) (local.get $r)))))
      (f64x2.sub (f64x2.mul (local.get $dk) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))
        (f64x2.sub
          (f64x2.sub (local.get $hfsq)
            (f64x2.add (f64x2.mul (local.get $q) (f64x2.add (local.get $hfsq) (local.get $r)))
                       (f64x2.mul (local.get $dk) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))))
          (local.get $f)))
      (local.get $k0)))
    (local.set $llo (v128.bitselect
      (f64x2.sub (local.get $f) (f64x2.mul (local.get $q) (f64x2.sub (local.get $f) (local.get $r))))
      (f64x2.sub (f64x2.mul (local.get $dk) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))
        (f64x2.sub
          (f64x2.sub (f64x2.mul (local.get $q) (f64x2.sub (local.get $f) (local.get $r)))
                     (f64x2.mul (local.get $dk) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10)))
          (local.get $f)))
      (local.get $k0)))
    (local.set $log (v128.bitselect (local.get $lhi) (local.get $llo) (local.get $ipos)))
    (local.set $mm (f64x2.sqrt (f64x2.div (f64x2.mul (v128.const f64x2 -2 -2) (local.get $log)) (local.get $s))))
    (local.set $um (f64x2.mul (local.get $u) (local.get $mm)))
    (local.set $vm (f64x2.mul (local.get $v) (local.get $mm)))
    (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $um) (local.get $vm)))
    (v128.store offset=16 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $um) (local.get $vm)))
    (i32.const 0))

  ;; Two passes: first the accepted (u, v) pairs in stream order (the generator is sequential), stored in place,
  ;; then m = √(−2·log s / s) for each pair; the second pass has no dependency from one pair to the next, so the
  ;; divisions and the square root of neighbouring pairs overlap.
  (func (export "pairs") (param $out i32) (param $n i32)
    (local $end i32) (local $p i32) (local $u f64) (local $v f64) (local $s f64)
    (global.set $s0 (i32.load (i32.const 0)))
    (global.set $s1 (i32.load (i32.const 4)))
    (global.set $s2 (i32.load (i32.const 8)))
    (global.set $s3 (i32.load (i32.const 12)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $p (local.get $out))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; u, v uniform in (−1, 1) until 0 < u² + v² < 1
        (loop $draw
          (local.set $u (f64.sub (f64.mul (call $next) (f64.const 0x1p-31)) (f64.const 1)))
          (local.set $v (f64.sub (f64.mul (call $next) (f64.const 0x1p-31)) (f64.const 1)))
          (local.set $s (f64.add (f64.mul (local.get $u) (local.get $u)) (f64.mul (local.get $v) (local.get $v))))
          (br_if $draw (f64.ge (local.get $s) (f64.const 1)))
          (br_if $draw (f64.eq (local.get $s) (f64.const 0))))
        (f64.store (local.get $p) (local.get $u))
        (f64.store offset=8 (local.get $p) (local.get $v))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $pair)))
    (local.set $p (local.get $out))
    ;; two pairs at a time in f64x2 lanes; the rare |f| < 2^-20 case and an odd last pair in scalar
    (block $done2
      (loop $scale2
        (br_if $done2 (i32.gt_u (i32.add (local.get $p) (i32.const 32)) (local.get $end)))
        (if (call $scaleTwo (local.get $p))
          (then
            (call $scaleOne (local.get $p))
            (call $scaleOne (i32.add (local.get $p) (i32.const 16)))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $scale2)))
    (if (i32.lt_u (local.get $p) (local.get $end)) (then (call $scaleOne (local.get $p))))
    (i32.store (i32.const 0) (global.get $s0))
    (i32.store (i32.const 4) (global.get $s1))
    (i32.store (i32.const 8) (global.get $s2))
    (i32.store (i32.const 12) (global.get $s3))))
