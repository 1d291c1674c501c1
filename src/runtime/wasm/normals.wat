;; Standard normals for the project RNG (runtime/rng.ts `Rng.fillNormal`), bit for bit: xoshiro128** steps, the
;; Marsaglia polar method and the fdlibm log port `detLogOpenUnit`, written with the same IEEE double operations in
;; the same order as the TypeScript (no fused multiply-adds exist in WebAssembly), so every value is identical.
;; Memory: the generator state as four i32 words at byte 0 (read and written back), outputs as f64 from `out`.
;; `pairs(out, n)` writes n pairs (u·m, v·m); `logs(at, n)` replaces n values in (0, 1) by their logs (for tests).
;; The log runs two values at a time in f64x2 lanes with every branch computed and selected; without WebAssembly SIMD
;; the module does not compile and rng.ts draws in TypeScript.
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

  ;; log of both lanes of s (each in (0, 1)): detLogOpenUnit and logTail of rng.ts, every branch computed, then selected
  (func $log2 (param $s v128) (result v128)
    (local $hi v128) (local $hx v128) (local $k v128) (local $big v128) (local $m v128) (local $f v128) (local $dk v128)
    (local $q v128) (local $z v128) (local $w v128) (local $t1 v128) (local $t2 v128) (local $r v128) (local $hfsq v128)
    (local $ipos v128) (local $k0 v128) (local $rare v128) (local $lhi v128) (local $llo v128) (local $lrare v128)
    (local $r2 v128) (local $dkhi v128) (local $dklo v128)
    ;; the high words of both lanes in i32 lanes 0 and 1 (and again in 2 and 3); x = m·2^k with m in [1, 2)
    (local.set $hi (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15 (local.get $s) (local.get $s)))
    (local.set $hx (v128.and (local.get $hi) (v128.const i32x4 0x000fffff 0x000fffff 0x000fffff 0x000fffff)))
    ;; m ≥ about √2: halve it and count it in k
    (local.set $big (i32x4.ge_s (local.get $hx) (v128.const i32x4 0x6a09c 0x6a09c 0x6a09c 0x6a09c)))
    (local.set $k (i32x4.sub (i32x4.sub (i32x4.shr_u (local.get $hi) (i32.const 20)) (v128.const i32x4 1023 1023 1023 1023))
                             (local.get $big)))
    (local.set $m (v128.or (v128.and (local.get $s) (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff))
                           (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000)))
    (local.set $m (v128.bitselect (f64x2.mul (local.get $m) (v128.const f64x2 0.5 0.5)) (local.get $m)
                                  (i64x2.extend_low_i32x4_s (local.get $big))))
    (local.set $f (f64x2.sub (local.get $m) (v128.const f64x2 1 1)))
    (local.set $dk (f64x2.convert_low_i32x4_s (local.get $k)))
    (local.set $dkhi (f64x2.mul (local.get $dk) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01)))
    (local.set $dklo (f64x2.mul (local.get $dk) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10)))
    (local.set $k0 (i64x2.extend_low_i32x4_s (i32x4.eq (local.get $k) (v128.const i32x4 0 0 0 0))))
    ;; |f| < 2^-20 ((0xfffff & (2 + hx)) < 3): the short series, or k·ln2 when f = 0
    (local.set $rare (i64x2.extend_low_i32x4_s (i32x4.lt_s
      (v128.and (i32x4.add (local.get $hx) (v128.const i32x4 2 2 2 2)) (v128.const i32x4 0x000fffff 0x000fffff 0x000fffff 0x000fffff))
      (v128.const i32x4 3 3 3 3))))
    (local.set $r2 (f64x2.mul (f64x2.mul (local.get $f) (local.get $f))
      (f64x2.sub (v128.const f64x2 0.5 0.5) (f64x2.mul (v128.const f64x2 0.33333333333333333 0.33333333333333333) (local.get $f)))))
    (local.set $lrare (v128.bitselect
      (v128.bitselect (v128.const f64x2 0 0) (f64x2.add (local.get $dkhi) (local.get $dklo)) (local.get $k0))
      (v128.bitselect
        (f64x2.sub (local.get $f) (local.get $r2))
        (f64x2.sub (local.get $dkhi) (f64x2.sub (f64x2.sub (local.get $r2) (local.get $dklo)) (local.get $f)))
        (local.get $k0))
      (f64x2.eq (local.get $f) (v128.const f64x2 0 0))))
    ;; otherwise the polynomial
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
    (local.set $hfsq (f64x2.mul (f64x2.mul (v128.const f64x2 0.5 0.5) (local.get $f)) (local.get $f)))
    (local.set $lhi (v128.bitselect
      (f64x2.sub (local.get $f) (f64x2.sub (local.get $hfsq) (f64x2.mul (local.get $q) (f64x2.add (local.get $hfsq) (local.get $r)))))
      (f64x2.sub (local.get $dkhi)
        (f64x2.sub
          (f64x2.sub (local.get $hfsq) (f64x2.add (f64x2.mul (local.get $q) (f64x2.add (local.get $hfsq) (local.get $r))) (local.get $dklo)))
          (local.get $f)))
      (local.get $k0)))
    (local.set $llo (v128.bitselect
      (f64x2.sub (local.get $f) (f64x2.mul (local.get $q) (f64x2.sub (local.get $f) (local.get $r))))
      (f64x2.sub (local.get $dkhi)
        (f64x2.sub (f64x2.sub (f64x2.mul (local.get $q) (f64x2.sub (local.get $f) (local.get $r))) (local.get $dklo)) (local.get $f)))
      (local.get $k0)))
    (v128.bitselect (local.get $lrare) (v128.bitselect (local.get $lhi) (local.get $llo) (local.get $ipos)) (local.get $rare)))

  ;; The two pairs [u0, v0] [u1, v1] at p → (u·m, v·m) each, m = √(−2·log s / s); `both` 0 stores only the first.
  (func $scale (param $p i32) (param $both i32)
    (local $p0 v128) (local $p1 v128) (local $u v128) (local $v v128) (local $s v128) (local $mm v128) (local $um v128) (local $vm v128)
    (local.set $p0 (v128.load (local.get $p)))
    (local.set $p1 (if (result v128) (local.get $both) (then (v128.load offset=16 (local.get $p))) (else (local.get $p0))))
    (local.set $u (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $p0) (local.get $p1)))
    (local.set $v (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $p0) (local.get $p1)))
    (local.set $s (f64x2.add (f64x2.mul (local.get $u) (local.get $u)) (f64x2.mul (local.get $v) (local.get $v))))
    (local.set $mm (f64x2.sqrt (f64x2.div (f64x2.mul (v128.const f64x2 -2 -2) (call $log2 (local.get $s))) (local.get $s))))
    (local.set $um (f64x2.mul (local.get $u) (local.get $mm)))
    (local.set $vm (f64x2.mul (local.get $v) (local.get $mm)))
    (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $um) (local.get $vm)))
    (if (local.get $both)
      (then (v128.store offset=16 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $um) (local.get $vm))))))

  (func (export "logs") (param $at i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $two
        (br_if $done (i32.gt_u (i32.add (local.get $at) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $at) (call $log2 (v128.load (local.get $at))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $two)))
    (if (i32.lt_u (local.get $at) (local.get $end))
      (then (f64.store (local.get $at) (f64x2.extract_lane 0 (call $log2 (f64x2.splat (f64.load (local.get $at)))))))))

  ;; Two passes: first the accepted (u, v) pairs in stream order (the generator is sequential), stored in place,
  ;; then m = √(−2·log s / s) two pairs at a time; the second pass has no dependency from one pair to the next.
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
    (block $done2
      (loop $scale2
        (br_if $done2 (i32.gt_u (i32.add (local.get $p) (i32.const 32)) (local.get $end)))
        (call $scale (local.get $p) (i32.const 1))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $scale2)))
    (if (i32.lt_u (local.get $p) (local.get $end)) (then (call $scale (local.get $p) (i32.const 0))))
    (i32.store (i32.const 0) (global.get $s0))
    (i32.store (i32.const 4) (global.get $s1))
    (i32.store (i32.const 8) (global.get $s2))
    (i32.store (i32.const 12) (global.get $s3))))
