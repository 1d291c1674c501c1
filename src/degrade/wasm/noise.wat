;; The degradation RNG's noise draws (random.ts `DegradeRng`, noise.ts), bit for bit: xoshiro128** steps, 53-bit
;; uniforms from two 32-bit outputs (27 + 26 bits), the Marsaglia polar method with `logOpenUnit` of detmath.ts, and
;; the Poisson table inversion, written with the same IEEE double operations in the same order as the TypeScript
;; (WebAssembly has no fused multiply-add; f64x2 lanes round like scalar f64), so every value is identical.
;; Memory: the generator state as four i32 words at byte 0 (read at entry, written back at exit), the outputs' block
;; machinery from 16 to 18560 (below), everything else at byte offsets the caller passes, from 18560 on. Without
;; WebAssembly SIMD the module does not compile and the TypeScript runs.
(module
  (memory (export "memory") 1)

  ;; The generator's outputs in blocks, four streams at once. xoshiro128**'s state transition A is linear over GF(2)
  ;; (xors, shifts and rotations of the 128 state bits), so the state 1024 steps on is M·x for the 128 × 128 bit
  ;; matrix M = A^1024 (its columns, A^1024 of each unit state, computed once at instantiation by `jumpInit`). A block
  ;; is the next 4096 outputs of the stream: lane j of four i32x4 lanes starts at M^j·x (three products with M) and
  ;; steps 1024 times, so each i32x4 step makes four outputs where the scalar loop made one, and no step depends on
  ;; another lane. The outputs are stored in stream order (a 4 × 4 transposition of every four steps), so that
  ;; consumers read them at consecutive addresses and the four outputs of a polar candidate in one load; the state
  ;; after the last output used is its lane's start state stepped on by scalar steps (`restep`: under 1024 steps).
  ;; Fixed memory (noise-kernel.ts NOISE_FREE_AT, past it the callers' data): M at 16 (128 columns of 16 bytes), the
  ;; lanes' start states at 2064 (lane j at 2064 + 16j, then the next block's start at 2128), the block's outputs at
  ;; 2176 (4096 i32: output w of the block at 2176 + 4w) up to 18560.
  ;; `pairs` for 98 304 pairs: 1.22 → 1.07 ms (its first pass, the candidates, 0.72 → 0.55) against one scalar step
  ;; per output in the consumer's loop; `poisson`'s draws on 256² RGB 0.98 → 0.94 ms (its table look-ups dominate).
  (start $jumpInit)

  ;; n xoshiro128** steps (the state transition only) of the state at `at`.
  (func $restep (param $at i32) (param $n i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $t i32)
    (local.set $s0 (i32.load (local.get $at)))
    (local.set $s1 (i32.load offset=4 (local.get $at)))
    (local.set $s2 (i32.load offset=8 (local.get $at)))
    (local.set $s3 (i32.load offset=12 (local.get $at)))
    (block $done (loop $step
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
      (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
      (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
      (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $step)))
    (i32.store (local.get $at) (local.get $s0))
    (i32.store offset=4 (local.get $at) (local.get $s1))
    (i32.store offset=8 (local.get $at) (local.get $s2))
    (i32.store offset=12 (local.get $at) (local.get $s3)))

  ;; M's columns: column i (at 16 + 16i) is the unit state with bit i (bit i & 31 of word i >> 5) stepped 1024 times.
  (func $jumpInit
    (local $i i32) (local $at i32)
    (block $done (loop $col
      (br_if $done (i32.ge_u (local.get $i) (i32.const 128)))
      (local.set $at (i32.add (i32.const 16) (i32.shl (local.get $i) (i32.const 4))))
      (v128.store (local.get $at) (v128.const i32x4 0 0 0 0))
      (i32.store (i32.add (local.get $at) (i32.shl (i32.shr_u (local.get $i) (i32.const 5)) (i32.const 2)))
        (i32.shl (i32.const 1) (i32.and (local.get $i) (i32.const 31))))
      (call $restep (local.get $at) (i32.const 1024))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $col))))

  ;; The state at `dst` = M · the state at `src`: the xor of the columns of M whose bit is set in it.
  (func $jump (param $src i32) (param $dst i32)
    (local $y v128) (local $x i32) (local $w i32) (local $b i32) (local $col i32)
    (local.set $col (i32.const 16))
    (block $wdone (loop $word
      (br_if $wdone (i32.ge_u (local.get $w) (i32.const 16)))
      (local.set $x (i32.load (i32.add (local.get $src) (local.get $w))))
      (local.set $b (i32.const 0))
      (block $bdone (loop $bit
        (br_if $bdone (i32.ge_u (local.get $b) (i32.const 32)))
        (local.set $y (v128.xor (local.get $y) (v128.and (v128.load (local.get $col))
          (i32x4.splat (i32.sub (i32.const 0) (i32.and (i32.shr_u (local.get $x) (local.get $b)) (i32.const 1)))))))
        (local.set $col (i32.add (local.get $col) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bit)))
      (local.set $w (i32.add (local.get $w) (i32.const 4)))
      (br $word)))
    (v128.store (local.get $dst) (local.get $y)))

  ;; The block of 4096 outputs from the state at 2064 (lane 0's start) to 2176 …; the state after them to 2128.
  ;; Each lane's step is the scalar one: r = rotl(s1·5, 7)·9, then the state transition.
  (func $block
    (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t v128) (local $u v128) (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $p i32)
    (call $jump (i32.const 2064) (i32.const 2080))
    (call $jump (i32.const 2080) (i32.const 2096))
    (call $jump (i32.const 2096) (i32.const 2112))
    ;; the lanes' states as s_k = [word k of lane 0, … of lane 3] (a 4 × 4 transposition)
    (local.set $a (v128.load (i32.const 2064)))
    (local.set $b (v128.load (i32.const 2080)))
    (local.set $c (v128.load (i32.const 2096)))
    (local.set $d (v128.load (i32.const 2112)))
    (local.set $t (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
    (local.set $u (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d)))
    (local.set $s0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t) (local.get $u)))
    (local.set $s1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t) (local.get $u)))
    (local.set $t (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
    (local.set $u (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d)))
    (local.set $s2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t) (local.get $u)))
    (local.set $s3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t) (local.get $u)))
    (local.set $p (i32.const 2176))
    (loop $four
      ;; four steps: r_i = the outputs of step i of the four lanes
      (local.set $r0 (i32x4.mul (local.get $s1) (v128.const i32x4 5 5 5 5)))
      (local.set $r0 (i32x4.mul (v128.or (i32x4.shl (local.get $r0) (i32.const 7)) (i32x4.shr_u (local.get $r0) (i32.const 25))) (v128.const i32x4 9 9 9 9)))
      (local.set $t (i32x4.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (v128.xor (local.get $s2) (local.get $s0)))
      (local.set $s3 (v128.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (v128.xor (local.get $s1) (local.get $s2)))
      (local.set $s0 (v128.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (v128.xor (local.get $s2) (local.get $t)))
      (local.set $s3 (v128.or (i32x4.shl (local.get $s3) (i32.const 11)) (i32x4.shr_u (local.get $s3) (i32.const 21))))
      (local.set $r1 (i32x4.mul (local.get $s1) (v128.const i32x4 5 5 5 5)))
      (local.set $r1 (i32x4.mul (v128.or (i32x4.shl (local.get $r1) (i32.const 7)) (i32x4.shr_u (local.get $r1) (i32.const 25))) (v128.const i32x4 9 9 9 9)))
      (local.set $t (i32x4.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (v128.xor (local.get $s2) (local.get $s0)))
      (local.set $s3 (v128.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (v128.xor (local.get $s1) (local.get $s2)))
      (local.set $s0 (v128.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (v128.xor (local.get $s2) (local.get $t)))
      (local.set $s3 (v128.or (i32x4.shl (local.get $s3) (i32.const 11)) (i32x4.shr_u (local.get $s3) (i32.const 21))))
      (local.set $r2 (i32x4.mul (local.get $s1) (v128.const i32x4 5 5 5 5)))
      (local.set $r2 (i32x4.mul (v128.or (i32x4.shl (local.get $r2) (i32.const 7)) (i32x4.shr_u (local.get $r2) (i32.const 25))) (v128.const i32x4 9 9 9 9)))
      (local.set $t (i32x4.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (v128.xor (local.get $s2) (local.get $s0)))
      (local.set $s3 (v128.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (v128.xor (local.get $s1) (local.get $s2)))
      (local.set $s0 (v128.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (v128.xor (local.get $s2) (local.get $t)))
      (local.set $s3 (v128.or (i32x4.shl (local.get $s3) (i32.const 11)) (i32x4.shr_u (local.get $s3) (i32.const 21))))
      (local.set $r3 (i32x4.mul (local.get $s1) (v128.const i32x4 5 5 5 5)))
      (local.set $r3 (i32x4.mul (v128.or (i32x4.shl (local.get $r3) (i32.const 7)) (i32x4.shr_u (local.get $r3) (i32.const 25))) (v128.const i32x4 9 9 9 9)))
      (local.set $t (i32x4.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (v128.xor (local.get $s2) (local.get $s0)))
      (local.set $s3 (v128.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (v128.xor (local.get $s1) (local.get $s2)))
      (local.set $s0 (v128.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (v128.xor (local.get $s2) (local.get $t)))
      (local.set $s3 (v128.or (i32x4.shl (local.get $s3) (i32.const 11)) (i32x4.shr_u (local.get $s3) (i32.const 21))))
      ;; transposed: lane j's four outputs, consecutive in its quarter of the block (1024 outputs, 4096 bytes)
      (local.set $t (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
      (local.set $u (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
      (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t) (local.get $u)))
      (v128.store offset=4096 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t) (local.get $u)))
      (local.set $t (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
      (local.set $u (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
      (v128.store offset=8192 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t) (local.get $u)))
      (v128.store offset=12288 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t) (local.get $u)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br_if $four (i32.lt_u (local.get $p) (i32.const 6272))))
    ;; lane 3 ends where the next block starts
    (i32.store (i32.const 2128) (i32x4.extract_lane 3 (local.get $s0)))
    (i32.store (i32.const 2132) (i32x4.extract_lane 3 (local.get $s1)))
    (i32.store (i32.const 2136) (i32x4.extract_lane 3 (local.get $s2)))
    (i32.store (i32.const 2140) (i32x4.extract_lane 3 (local.get $s3))))

  ;; The state after output w of the block (0 ≤ w ≤ 4096) to byte 0: lane w >> 10's start, stepped w & 1023 times
  ;; (w = 4096: the next block's start).
  (func $stateAfter (param $w i32)
    (local $at i32)
    (local.set $at (i32.add (i32.const 2064) (i32.shl (i32.shr_u (local.get $w) (i32.const 10)) (i32.const 4))))
    (call $restep (local.get $at) (i32.and (local.get $w) (i32.const 1023)))
    (v128.store (i32.const 0) (v128.load (local.get $at))))

  ;; logOpenUnit(x) of the four lanes of a and b (each a normal double in (0, 1)): m = x·2^−e in [1, 2) read from
  ;; the bits (the same m and e as the exact doublings of the TypeScript), m > √2 halved, then logOfMantissa step for
  ;; step. Two vectors with their steps interleaved: the polynomial is a chain of dependent multiply-adds (Horner, kept
  ;; for identical rounding), so one vector at a time leaves the CPU waiting on latency.
  (func $log4 (param $a v128) (param $b v128) (result v128 v128)
    (local $ea v128) (local $ma v128) (local $biga v128) (local $fa v128) (local $sa v128) (local $za v128) (local $ta v128) (local $ha v128)
    (local $eb v128) (local $mb v128) (local $bigb v128) (local $fb v128) (local $sb v128) (local $zb v128) (local $tb v128) (local $hb v128)
    ;; e: the biased exponent − 1023 (the high words of both lanes in i32 lanes 0 and 1), as f64
    (local.set $ea (f64x2.convert_low_i32x4_s (i32x4.sub (i32x4.shr_u (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15 (local.get $a) (local.get $a)) (i32.const 20)) (v128.const i32x4 1023 1023 1023 1023))))
    (local.set $eb (f64x2.convert_low_i32x4_s (i32x4.sub (i32x4.shr_u (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15 (local.get $b) (local.get $b)) (i32.const 20)) (v128.const i32x4 1023 1023 1023 1023))))
    ;; m: the mantissa with the exponent of 1
    (local.set $ma (v128.or (v128.and (local.get $a) (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff)) (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000)))
    (local.set $mb (v128.or (v128.and (local.get $b) (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff)) (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000)))
    ;; if (m > Math.SQRT2) { m *= 0.5; e += 1; }
    (local.set $biga (f64x2.gt (local.get $ma) (v128.const f64x2 0x1.6a09e667f3bcdp0 0x1.6a09e667f3bcdp0)))
    (local.set $bigb (f64x2.gt (local.get $mb) (v128.const f64x2 0x1.6a09e667f3bcdp0 0x1.6a09e667f3bcdp0)))
    (local.set $ma (v128.bitselect (f64x2.mul (local.get $ma) (v128.const f64x2 0.5 0.5)) (local.get $ma) (local.get $biga)))
    (local.set $mb (v128.bitselect (f64x2.mul (local.get $mb) (v128.const f64x2 0.5 0.5)) (local.get $mb) (local.get $bigb)))
    (local.set $ea (v128.bitselect (f64x2.add (local.get $ea) (v128.const f64x2 1 1)) (local.get $ea) (local.get $biga)))
    (local.set $eb (v128.bitselect (f64x2.add (local.get $eb) (v128.const f64x2 1 1)) (local.get $eb) (local.get $bigb)))
    ;; f = m − 1; s = f / (m + 1); z = s·s
    (local.set $fa (f64x2.sub (local.get $ma) (v128.const f64x2 1 1)))
    (local.set $fb (f64x2.sub (local.get $mb) (v128.const f64x2 1 1)))
    (local.set $sa (f64x2.div (local.get $fa) (f64x2.add (local.get $ma) (v128.const f64x2 1 1))))
    (local.set $sb (f64x2.div (local.get $fb) (f64x2.add (local.get $mb) (v128.const f64x2 1 1))))
    (local.set $za (f64x2.mul (local.get $sa) (local.get $sa)))
    (local.set $zb (f64x2.mul (local.get $sb) (local.get $sb)))
    ;; t = 1/25; t = t·z + 1/23; … ; t = t·z + 1/3 (each constant the double nearest 1/n, as JavaScript's 1/n)
    (local.set $ta (v128.const f64x2 0x1.47ae147ae147bp-5 0x1.47ae147ae147bp-5))
    (local.set $tb (v128.const f64x2 0x1.47ae147ae147bp-5 0x1.47ae147ae147bp-5))
    (local.set $ta (f64x2.add (f64x2.mul (local.get $ta) (local.get $za)) (v128.const f64x2 0x1.642c8590b2164p-5 0x1.642c8590b2164p-5))) ;; 1/23
    (local.set $tb (f64x2.add (f64x2.mul (local.get $tb) (local.get $zb)) (v128.const f64x2 0x1.642c8590b2164p-5 0x1.642c8590b2164p-5))) ;; 1/23
    (local.set $ta (f64x2.add (f64x2.mul (local.get $ta) (local.get $za)) (v128.const f64x2 0x1.8618618618618p-5 0x1.8618618618618p-5))) ;; 1/21
    (local.set $tb (f64x2.add (f64x2.mul (local.get $tb) (local.get $zb)) (v128.const f64x2 0x1.8618618618618p-5 0x1.8618618618618p-5))) ;; 1/21
    (local.set $ta (f64x2.add (f64x2.mul (local.get $ta) (local.get $za)) (v128.const f64x2 0x1.af286bca1af28p-5 0x1.af286bca1af28p-5))) ;; 1/19
    (local.set $tb (f64x2.add (f64x2.mul (local.get $tb) (local.get $zb)) (v128.const f64x2 0x1.af286bca1af28p-5 0x1.af286bca1af28p-5))) ;; 1/19
    (local.set $ta (f64x2.add (f64x2.mul (local.get $ta) (local.get $za)) (v128.const f64x2 0x1.e1e1e1e1e1e1ep-5 0x1.e1e1e1e1e1e1ep-5))) ;; 1/17
    (local.set $tb (f64x2.add (f64x2.mul (local.get $tb) (local.get $zb)) (v128.const f64x2 0x1.e1e1e1e1e1e1ep-5 0x1.e1e1e1e1e1e1ep-5))) ;; 1/17
    (local.set $ta (f64x2.add (f64x2.mul (local.get $ta) (local.get $za)) (v128.const f64x2 0x1.1111111111111p-4 0x1.1111111111111p-4))) ;; 1/15
    (local.set $tb (f64x2.add (f64x2.mul (local.get $tb) (local.get $zb)) (v128.const f64x2 0x1.1111111111111p-4 0x1.1111111111111p-4))) ;; 1/15
    (local.set $ta (f64x2.add (f64x2.mul (local.get $ta) (local.get $za)) (v128.const f64x2 0x1.3b13b13b13b14p-4 0x1.3b13b13b13b14p-4))) ;; 1/13
    (local.set $tb (f64x2.add (f64x2.mul (local.get $tb) (local.get $zb)) (v128.const f64x2 0x1.3b13b13b13b14p-4 0x1.3b13b13b13b14p-4))) ;; 1/13
    (local.set $ta (f64x2.add (f64x2.mul (local.get $ta) (local.get $za)) (v128.const f64x2 0x1.745d1745d1746p-4 0x1.745d1745d1746p-4))) ;; 1/11
    (local.set $tb (f64x2.add (f64x2.mul (local.get $tb) (local.get $zb)) (v128.const f64x2 0x1.745d1745d1746p-4 0x1.745d1745d1746p-4))) ;; 1/11
    (local.set $ta (f64x2.add (f64x2.mul (local.get $ta) (local.get $za)) (v128.const f64x2 0x1.c71c71c71c71cp-4 0x1.c71c71c71c71cp-4))) ;; 1/9
    (local.set $tb (f64x2.add (f64x2.mul (local.get $tb) (local.get $zb)) (v128.const f64x2 0x1.c71c71c71c71cp-4 0x1.c71c71c71c71cp-4))) ;; 1/9
    (local.set $ta (f64x2.add (f64x2.mul (local.get $ta) (local.get $za)) (v128.const f64x2 0x1.2492492492492p-3 0x1.2492492492492p-3))) ;; 1/7
    (local.set $tb (f64x2.add (f64x2.mul (local.get $tb) (local.get $zb)) (v128.const f64x2 0x1.2492492492492p-3 0x1.2492492492492p-3))) ;; 1/7
    (local.set $ta (f64x2.add (f64x2.mul (local.get $ta) (local.get $za)) (v128.const f64x2 0x1.999999999999ap-3 0x1.999999999999ap-3))) ;; 1/5
    (local.set $tb (f64x2.add (f64x2.mul (local.get $tb) (local.get $zb)) (v128.const f64x2 0x1.999999999999ap-3 0x1.999999999999ap-3))) ;; 1/5
    (local.set $ta (f64x2.add (f64x2.mul (local.get $ta) (local.get $za)) (v128.const f64x2 0x1.5555555555555p-2 0x1.5555555555555p-2))) ;; 1/3
    (local.set $tb (f64x2.add (f64x2.mul (local.get $tb) (local.get $zb)) (v128.const f64x2 0x1.5555555555555p-2 0x1.5555555555555p-2))) ;; 1/3
    ;; hfsq = 0.5·f·f; lm = f − (hfsq − s·(hfsq + 2·z·t)); e·LN2_HI + (lm + e·LN2_LO)
    (local.set $ha (f64x2.mul (f64x2.mul (v128.const f64x2 0.5 0.5) (local.get $fa)) (local.get $fa)))
    (local.set $hb (f64x2.mul (f64x2.mul (v128.const f64x2 0.5 0.5) (local.get $fb)) (local.get $fb)))
    (f64x2.add
      (f64x2.mul (local.get $ea) (v128.const f64x2 0x1.62e42fee00000p-1 0x1.62e42fee00000p-1))
      (f64x2.add
        (f64x2.sub (local.get $fa) (f64x2.sub (local.get $ha) (f64x2.mul (local.get $sa)
          (f64x2.add (local.get $ha) (f64x2.mul (f64x2.mul (v128.const f64x2 2 2) (local.get $za)) (local.get $ta))))))
        (f64x2.mul (local.get $ea) (v128.const f64x2 0x1.a39ef35793c76p-33 0x1.a39ef35793c76p-33))))
    (f64x2.add
      (f64x2.mul (local.get $eb) (v128.const f64x2 0x1.62e42fee00000p-1 0x1.62e42fee00000p-1))
      (f64x2.add
        (f64x2.sub (local.get $fb) (f64x2.sub (local.get $hb) (f64x2.mul (local.get $sb)
          (f64x2.add (local.get $hb) (f64x2.mul (f64x2.mul (v128.const f64x2 2 2) (local.get $zb)) (local.get $tb))))))
        (f64x2.mul (local.get $eb) (v128.const f64x2 0x1.a39ef35793c76p-33 0x1.a39ef35793c76p-33)))))

  ;; The twelve pairs [u, v] at p → (0 + u·m, 0 + v·m) each, m = √(−2·log s / s), s = u² + v² (recomputed: the same
  ;; operations give the same s). normal() returns mean + std·u·m = 0 + 1·u·m; the 0 + would turn a −0 into +0, so it
  ;; stays. $log4's steps are written out (this engine generation does not inline WebAssembly calls) for six vectors of
  ;; two pairs, interleaved step by step: each log is a chain of dependent multiply-adds (Horner, kept for identical
  ;; rounding) and two divisions, and two chains at a time (four pairs) left the CPU waiting on their latency:
  ;; `pairs` for 98 304 pairs, 1.52 ms with four pairs per call, 1.27 with eight, 1.22 with twelve, 1.25 with sixteen.
  ;; Every lane does the scalar steps in the scalar order; the pairs test compares the result with the TypeScript.
  (func $scale12 (param $p i32)
    (local $x0 v128) (local $y0 v128) (local $u0 v128) (local $v0 v128) (local $s0 v128) (local $e0 v128) (local $m0 v128) (local $big0 v128) (local $f0 v128) (local $r0 v128) (local $z0 v128) (local $t0 v128) (local $h0 v128)
    (local $x1 v128) (local $y1 v128) (local $u1 v128) (local $v1 v128) (local $s1 v128) (local $e1 v128) (local $m1 v128) (local $big1 v128) (local $f1 v128) (local $r1 v128) (local $z1 v128) (local $t1 v128) (local $h1 v128)
    (local $x2 v128) (local $y2 v128) (local $u2 v128) (local $v2 v128) (local $s2 v128) (local $e2 v128) (local $m2 v128) (local $big2 v128) (local $f2 v128) (local $r2 v128) (local $z2 v128) (local $t2 v128) (local $h2 v128)
    (local $x3 v128) (local $y3 v128) (local $u3 v128) (local $v3 v128) (local $s3 v128) (local $e3 v128) (local $m3 v128) (local $big3 v128) (local $f3 v128) (local $r3 v128) (local $z3 v128) (local $t3 v128) (local $h3 v128)
    (local $x4 v128) (local $y4 v128) (local $u4 v128) (local $v4 v128) (local $s4 v128) (local $e4 v128) (local $m4 v128) (local $big4 v128) (local $f4 v128) (local $r4 v128) (local $z4 v128) (local $t4 v128) (local $h4 v128)
    (local $x5 v128) (local $y5 v128) (local $u5 v128) (local $v5 v128) (local $s5 v128) (local $e5 v128) (local $m5 v128) (local $big5 v128) (local $f5 v128) (local $r5 v128) (local $z5 v128) (local $t5 v128) (local $h5 v128)
    ;; the pairs 2i, 2i + 1 of the twelve as u_i = [u, u′], v_i = [v, v′]
    (local.set $x0 (v128.load offset=0 (local.get $p)))
    (local.set $x1 (v128.load offset=32 (local.get $p)))
    (local.set $x2 (v128.load offset=64 (local.get $p)))
    (local.set $x3 (v128.load offset=96 (local.get $p)))
    (local.set $x4 (v128.load offset=128 (local.get $p)))
    (local.set $x5 (v128.load offset=160 (local.get $p)))
    (local.set $y0 (v128.load offset=16 (local.get $p)))
    (local.set $y1 (v128.load offset=48 (local.get $p)))
    (local.set $y2 (v128.load offset=80 (local.get $p)))
    (local.set $y3 (v128.load offset=112 (local.get $p)))
    (local.set $y4 (v128.load offset=144 (local.get $p)))
    (local.set $y5 (v128.load offset=176 (local.get $p)))
    (local.set $u0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x0) (local.get $y0)))
    (local.set $u1 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x1) (local.get $y1)))
    (local.set $u2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x2) (local.get $y2)))
    (local.set $u3 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x3) (local.get $y3)))
    (local.set $u4 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x4) (local.get $y4)))
    (local.set $u5 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x5) (local.get $y5)))
    (local.set $v0 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x0) (local.get $y0)))
    (local.set $v1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x1) (local.get $y1)))
    (local.set $v2 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x2) (local.get $y2)))
    (local.set $v3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x3) (local.get $y3)))
    (local.set $v4 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x4) (local.get $y4)))
    (local.set $v5 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x5) (local.get $y5)))
    ;; s = u·u + v·v
    (local.set $s0 (f64x2.add (f64x2.mul (local.get $u0) (local.get $u0)) (f64x2.mul (local.get $v0) (local.get $v0))))
    (local.set $s1 (f64x2.add (f64x2.mul (local.get $u1) (local.get $u1)) (f64x2.mul (local.get $v1) (local.get $v1))))
    (local.set $s2 (f64x2.add (f64x2.mul (local.get $u2) (local.get $u2)) (f64x2.mul (local.get $v2) (local.get $v2))))
    (local.set $s3 (f64x2.add (f64x2.mul (local.get $u3) (local.get $u3)) (f64x2.mul (local.get $v3) (local.get $v3))))
    (local.set $s4 (f64x2.add (f64x2.mul (local.get $u4) (local.get $u4)) (f64x2.mul (local.get $v4) (local.get $v4))))
    (local.set $s5 (f64x2.add (f64x2.mul (local.get $u5) (local.get $u5)) (f64x2.mul (local.get $v5) (local.get $v5))))
    ;; logOpenUnit(s), as $log4 (its s is r here): e = the biased exponent − 1023, as f64
    (local.set $e0 (f64x2.convert_low_i32x4_s (i32x4.sub (i32x4.shr_u (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15 (local.get $s0) (local.get $s0)) (i32.const 20)) (v128.const i32x4 1023 1023 1023 1023))))
    (local.set $e1 (f64x2.convert_low_i32x4_s (i32x4.sub (i32x4.shr_u (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15 (local.get $s1) (local.get $s1)) (i32.const 20)) (v128.const i32x4 1023 1023 1023 1023))))
    (local.set $e2 (f64x2.convert_low_i32x4_s (i32x4.sub (i32x4.shr_u (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15 (local.get $s2) (local.get $s2)) (i32.const 20)) (v128.const i32x4 1023 1023 1023 1023))))
    (local.set $e3 (f64x2.convert_low_i32x4_s (i32x4.sub (i32x4.shr_u (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15 (local.get $s3) (local.get $s3)) (i32.const 20)) (v128.const i32x4 1023 1023 1023 1023))))
    (local.set $e4 (f64x2.convert_low_i32x4_s (i32x4.sub (i32x4.shr_u (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15 (local.get $s4) (local.get $s4)) (i32.const 20)) (v128.const i32x4 1023 1023 1023 1023))))
    (local.set $e5 (f64x2.convert_low_i32x4_s (i32x4.sub (i32x4.shr_u (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15 (local.get $s5) (local.get $s5)) (i32.const 20)) (v128.const i32x4 1023 1023 1023 1023))))
    ;; m: the mantissa with the exponent of 1
    (local.set $m0 (v128.or (v128.and (local.get $s0) (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff)) (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000)))
    (local.set $m1 (v128.or (v128.and (local.get $s1) (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff)) (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000)))
    (local.set $m2 (v128.or (v128.and (local.get $s2) (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff)) (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000)))
    (local.set $m3 (v128.or (v128.and (local.get $s3) (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff)) (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000)))
    (local.set $m4 (v128.or (v128.and (local.get $s4) (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff)) (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000)))
    (local.set $m5 (v128.or (v128.and (local.get $s5) (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff)) (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000)))
    ;; if (m > Math.SQRT2) { m *= 0.5; e += 1; }
    (local.set $big0 (f64x2.gt (local.get $m0) (v128.const f64x2 0x1.6a09e667f3bcdp0 0x1.6a09e667f3bcdp0)))
    (local.set $big1 (f64x2.gt (local.get $m1) (v128.const f64x2 0x1.6a09e667f3bcdp0 0x1.6a09e667f3bcdp0)))
    (local.set $big2 (f64x2.gt (local.get $m2) (v128.const f64x2 0x1.6a09e667f3bcdp0 0x1.6a09e667f3bcdp0)))
    (local.set $big3 (f64x2.gt (local.get $m3) (v128.const f64x2 0x1.6a09e667f3bcdp0 0x1.6a09e667f3bcdp0)))
    (local.set $big4 (f64x2.gt (local.get $m4) (v128.const f64x2 0x1.6a09e667f3bcdp0 0x1.6a09e667f3bcdp0)))
    (local.set $big5 (f64x2.gt (local.get $m5) (v128.const f64x2 0x1.6a09e667f3bcdp0 0x1.6a09e667f3bcdp0)))
    (local.set $m0 (v128.bitselect (f64x2.mul (local.get $m0) (v128.const f64x2 0.5 0.5)) (local.get $m0) (local.get $big0)))
    (local.set $m1 (v128.bitselect (f64x2.mul (local.get $m1) (v128.const f64x2 0.5 0.5)) (local.get $m1) (local.get $big1)))
    (local.set $m2 (v128.bitselect (f64x2.mul (local.get $m2) (v128.const f64x2 0.5 0.5)) (local.get $m2) (local.get $big2)))
    (local.set $m3 (v128.bitselect (f64x2.mul (local.get $m3) (v128.const f64x2 0.5 0.5)) (local.get $m3) (local.get $big3)))
    (local.set $m4 (v128.bitselect (f64x2.mul (local.get $m4) (v128.const f64x2 0.5 0.5)) (local.get $m4) (local.get $big4)))
    (local.set $m5 (v128.bitselect (f64x2.mul (local.get $m5) (v128.const f64x2 0.5 0.5)) (local.get $m5) (local.get $big5)))
    (local.set $e0 (v128.bitselect (f64x2.add (local.get $e0) (v128.const f64x2 1 1)) (local.get $e0) (local.get $big0)))
    (local.set $e1 (v128.bitselect (f64x2.add (local.get $e1) (v128.const f64x2 1 1)) (local.get $e1) (local.get $big1)))
    (local.set $e2 (v128.bitselect (f64x2.add (local.get $e2) (v128.const f64x2 1 1)) (local.get $e2) (local.get $big2)))
    (local.set $e3 (v128.bitselect (f64x2.add (local.get $e3) (v128.const f64x2 1 1)) (local.get $e3) (local.get $big3)))
    (local.set $e4 (v128.bitselect (f64x2.add (local.get $e4) (v128.const f64x2 1 1)) (local.get $e4) (local.get $big4)))
    (local.set $e5 (v128.bitselect (f64x2.add (local.get $e5) (v128.const f64x2 1 1)) (local.get $e5) (local.get $big5)))
    ;; f = m − 1; r = f / (m + 1); z = r·r
    (local.set $f0 (f64x2.sub (local.get $m0) (v128.const f64x2 1 1)))
    (local.set $f1 (f64x2.sub (local.get $m1) (v128.const f64x2 1 1)))
    (local.set $f2 (f64x2.sub (local.get $m2) (v128.const f64x2 1 1)))
    (local.set $f3 (f64x2.sub (local.get $m3) (v128.const f64x2 1 1)))
    (local.set $f4 (f64x2.sub (local.get $m4) (v128.const f64x2 1 1)))
    (local.set $f5 (f64x2.sub (local.get $m5) (v128.const f64x2 1 1)))
    (local.set $r0 (f64x2.div (local.get $f0) (f64x2.add (local.get $m0) (v128.const f64x2 1 1))))
    (local.set $r1 (f64x2.div (local.get $f1) (f64x2.add (local.get $m1) (v128.const f64x2 1 1))))
    (local.set $r2 (f64x2.div (local.get $f2) (f64x2.add (local.get $m2) (v128.const f64x2 1 1))))
    (local.set $r3 (f64x2.div (local.get $f3) (f64x2.add (local.get $m3) (v128.const f64x2 1 1))))
    (local.set $r4 (f64x2.div (local.get $f4) (f64x2.add (local.get $m4) (v128.const f64x2 1 1))))
    (local.set $r5 (f64x2.div (local.get $f5) (f64x2.add (local.get $m5) (v128.const f64x2 1 1))))
    (local.set $z0 (f64x2.mul (local.get $r0) (local.get $r0)))
    (local.set $z1 (f64x2.mul (local.get $r1) (local.get $r1)))
    (local.set $z2 (f64x2.mul (local.get $r2) (local.get $r2)))
    (local.set $z3 (f64x2.mul (local.get $r3) (local.get $r3)))
    (local.set $z4 (f64x2.mul (local.get $r4) (local.get $r4)))
    (local.set $z5 (f64x2.mul (local.get $r5) (local.get $r5)))
    ;; t = 1/25; t = t·z + 1/23; … ; t = t·z + 1/3
    (local.set $t0 (v128.const f64x2 0x1.47ae147ae147bp-5 0x1.47ae147ae147bp-5))
    (local.set $t1 (v128.const f64x2 0x1.47ae147ae147bp-5 0x1.47ae147ae147bp-5))
    (local.set $t2 (v128.const f64x2 0x1.47ae147ae147bp-5 0x1.47ae147ae147bp-5))
    (local.set $t3 (v128.const f64x2 0x1.47ae147ae147bp-5 0x1.47ae147ae147bp-5))
    (local.set $t4 (v128.const f64x2 0x1.47ae147ae147bp-5 0x1.47ae147ae147bp-5))
    (local.set $t5 (v128.const f64x2 0x1.47ae147ae147bp-5 0x1.47ae147ae147bp-5))
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $t0) (local.get $z0)) (v128.const f64x2 0x1.642c8590b2164p-5 0x1.642c8590b2164p-5))) ;; 1/23
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $t1) (local.get $z1)) (v128.const f64x2 0x1.642c8590b2164p-5 0x1.642c8590b2164p-5))) ;; 1/23
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $t2) (local.get $z2)) (v128.const f64x2 0x1.642c8590b2164p-5 0x1.642c8590b2164p-5))) ;; 1/23
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $t3) (local.get $z3)) (v128.const f64x2 0x1.642c8590b2164p-5 0x1.642c8590b2164p-5))) ;; 1/23
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $t4) (local.get $z4)) (v128.const f64x2 0x1.642c8590b2164p-5 0x1.642c8590b2164p-5))) ;; 1/23
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $t5) (local.get $z5)) (v128.const f64x2 0x1.642c8590b2164p-5 0x1.642c8590b2164p-5))) ;; 1/23
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $t0) (local.get $z0)) (v128.const f64x2 0x1.8618618618618p-5 0x1.8618618618618p-5))) ;; 1/21
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $t1) (local.get $z1)) (v128.const f64x2 0x1.8618618618618p-5 0x1.8618618618618p-5))) ;; 1/21
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $t2) (local.get $z2)) (v128.const f64x2 0x1.8618618618618p-5 0x1.8618618618618p-5))) ;; 1/21
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $t3) (local.get $z3)) (v128.const f64x2 0x1.8618618618618p-5 0x1.8618618618618p-5))) ;; 1/21
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $t4) (local.get $z4)) (v128.const f64x2 0x1.8618618618618p-5 0x1.8618618618618p-5))) ;; 1/21
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $t5) (local.get $z5)) (v128.const f64x2 0x1.8618618618618p-5 0x1.8618618618618p-5))) ;; 1/21
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $t0) (local.get $z0)) (v128.const f64x2 0x1.af286bca1af28p-5 0x1.af286bca1af28p-5))) ;; 1/19
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $t1) (local.get $z1)) (v128.const f64x2 0x1.af286bca1af28p-5 0x1.af286bca1af28p-5))) ;; 1/19
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $t2) (local.get $z2)) (v128.const f64x2 0x1.af286bca1af28p-5 0x1.af286bca1af28p-5))) ;; 1/19
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $t3) (local.get $z3)) (v128.const f64x2 0x1.af286bca1af28p-5 0x1.af286bca1af28p-5))) ;; 1/19
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $t4) (local.get $z4)) (v128.const f64x2 0x1.af286bca1af28p-5 0x1.af286bca1af28p-5))) ;; 1/19
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $t5) (local.get $z5)) (v128.const f64x2 0x1.af286bca1af28p-5 0x1.af286bca1af28p-5))) ;; 1/19
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $t0) (local.get $z0)) (v128.const f64x2 0x1.e1e1e1e1e1e1ep-5 0x1.e1e1e1e1e1e1ep-5))) ;; 1/17
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $t1) (local.get $z1)) (v128.const f64x2 0x1.e1e1e1e1e1e1ep-5 0x1.e1e1e1e1e1e1ep-5))) ;; 1/17
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $t2) (local.get $z2)) (v128.const f64x2 0x1.e1e1e1e1e1e1ep-5 0x1.e1e1e1e1e1e1ep-5))) ;; 1/17
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $t3) (local.get $z3)) (v128.const f64x2 0x1.e1e1e1e1e1e1ep-5 0x1.e1e1e1e1e1e1ep-5))) ;; 1/17
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $t4) (local.get $z4)) (v128.const f64x2 0x1.e1e1e1e1e1e1ep-5 0x1.e1e1e1e1e1e1ep-5))) ;; 1/17
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $t5) (local.get $z5)) (v128.const f64x2 0x1.e1e1e1e1e1e1ep-5 0x1.e1e1e1e1e1e1ep-5))) ;; 1/17
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $t0) (local.get $z0)) (v128.const f64x2 0x1.1111111111111p-4 0x1.1111111111111p-4))) ;; 1/15
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $t1) (local.get $z1)) (v128.const f64x2 0x1.1111111111111p-4 0x1.1111111111111p-4))) ;; 1/15
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $t2) (local.get $z2)) (v128.const f64x2 0x1.1111111111111p-4 0x1.1111111111111p-4))) ;; 1/15
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $t3) (local.get $z3)) (v128.const f64x2 0x1.1111111111111p-4 0x1.1111111111111p-4))) ;; 1/15
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $t4) (local.get $z4)) (v128.const f64x2 0x1.1111111111111p-4 0x1.1111111111111p-4))) ;; 1/15
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $t5) (local.get $z5)) (v128.const f64x2 0x1.1111111111111p-4 0x1.1111111111111p-4))) ;; 1/15
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $t0) (local.get $z0)) (v128.const f64x2 0x1.3b13b13b13b14p-4 0x1.3b13b13b13b14p-4))) ;; 1/13
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $t1) (local.get $z1)) (v128.const f64x2 0x1.3b13b13b13b14p-4 0x1.3b13b13b13b14p-4))) ;; 1/13
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $t2) (local.get $z2)) (v128.const f64x2 0x1.3b13b13b13b14p-4 0x1.3b13b13b13b14p-4))) ;; 1/13
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $t3) (local.get $z3)) (v128.const f64x2 0x1.3b13b13b13b14p-4 0x1.3b13b13b13b14p-4))) ;; 1/13
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $t4) (local.get $z4)) (v128.const f64x2 0x1.3b13b13b13b14p-4 0x1.3b13b13b13b14p-4))) ;; 1/13
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $t5) (local.get $z5)) (v128.const f64x2 0x1.3b13b13b13b14p-4 0x1.3b13b13b13b14p-4))) ;; 1/13
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $t0) (local.get $z0)) (v128.const f64x2 0x1.745d1745d1746p-4 0x1.745d1745d1746p-4))) ;; 1/11
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $t1) (local.get $z1)) (v128.const f64x2 0x1.745d1745d1746p-4 0x1.745d1745d1746p-4))) ;; 1/11
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $t2) (local.get $z2)) (v128.const f64x2 0x1.745d1745d1746p-4 0x1.745d1745d1746p-4))) ;; 1/11
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $t3) (local.get $z3)) (v128.const f64x2 0x1.745d1745d1746p-4 0x1.745d1745d1746p-4))) ;; 1/11
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $t4) (local.get $z4)) (v128.const f64x2 0x1.745d1745d1746p-4 0x1.745d1745d1746p-4))) ;; 1/11
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $t5) (local.get $z5)) (v128.const f64x2 0x1.745d1745d1746p-4 0x1.745d1745d1746p-4))) ;; 1/11
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $t0) (local.get $z0)) (v128.const f64x2 0x1.c71c71c71c71cp-4 0x1.c71c71c71c71cp-4))) ;; 1/9
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $t1) (local.get $z1)) (v128.const f64x2 0x1.c71c71c71c71cp-4 0x1.c71c71c71c71cp-4))) ;; 1/9
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $t2) (local.get $z2)) (v128.const f64x2 0x1.c71c71c71c71cp-4 0x1.c71c71c71c71cp-4))) ;; 1/9
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $t3) (local.get $z3)) (v128.const f64x2 0x1.c71c71c71c71cp-4 0x1.c71c71c71c71cp-4))) ;; 1/9
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $t4) (local.get $z4)) (v128.const f64x2 0x1.c71c71c71c71cp-4 0x1.c71c71c71c71cp-4))) ;; 1/9
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $t5) (local.get $z5)) (v128.const f64x2 0x1.c71c71c71c71cp-4 0x1.c71c71c71c71cp-4))) ;; 1/9
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $t0) (local.get $z0)) (v128.const f64x2 0x1.2492492492492p-3 0x1.2492492492492p-3))) ;; 1/7
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $t1) (local.get $z1)) (v128.const f64x2 0x1.2492492492492p-3 0x1.2492492492492p-3))) ;; 1/7
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $t2) (local.get $z2)) (v128.const f64x2 0x1.2492492492492p-3 0x1.2492492492492p-3))) ;; 1/7
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $t3) (local.get $z3)) (v128.const f64x2 0x1.2492492492492p-3 0x1.2492492492492p-3))) ;; 1/7
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $t4) (local.get $z4)) (v128.const f64x2 0x1.2492492492492p-3 0x1.2492492492492p-3))) ;; 1/7
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $t5) (local.get $z5)) (v128.const f64x2 0x1.2492492492492p-3 0x1.2492492492492p-3))) ;; 1/7
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $t0) (local.get $z0)) (v128.const f64x2 0x1.999999999999ap-3 0x1.999999999999ap-3))) ;; 1/5
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $t1) (local.get $z1)) (v128.const f64x2 0x1.999999999999ap-3 0x1.999999999999ap-3))) ;; 1/5
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $t2) (local.get $z2)) (v128.const f64x2 0x1.999999999999ap-3 0x1.999999999999ap-3))) ;; 1/5
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $t3) (local.get $z3)) (v128.const f64x2 0x1.999999999999ap-3 0x1.999999999999ap-3))) ;; 1/5
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $t4) (local.get $z4)) (v128.const f64x2 0x1.999999999999ap-3 0x1.999999999999ap-3))) ;; 1/5
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $t5) (local.get $z5)) (v128.const f64x2 0x1.999999999999ap-3 0x1.999999999999ap-3))) ;; 1/5
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $t0) (local.get $z0)) (v128.const f64x2 0x1.5555555555555p-2 0x1.5555555555555p-2))) ;; 1/3
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $t1) (local.get $z1)) (v128.const f64x2 0x1.5555555555555p-2 0x1.5555555555555p-2))) ;; 1/3
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $t2) (local.get $z2)) (v128.const f64x2 0x1.5555555555555p-2 0x1.5555555555555p-2))) ;; 1/3
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $t3) (local.get $z3)) (v128.const f64x2 0x1.5555555555555p-2 0x1.5555555555555p-2))) ;; 1/3
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $t4) (local.get $z4)) (v128.const f64x2 0x1.5555555555555p-2 0x1.5555555555555p-2))) ;; 1/3
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $t5) (local.get $z5)) (v128.const f64x2 0x1.5555555555555p-2 0x1.5555555555555p-2))) ;; 1/3
    ;; hfsq = 0.5·f·f; log s = e·LN2_HI + ((f − (hfsq − r·(hfsq + 2·z·t))) + e·LN2_LO), into t
    (local.set $h0 (f64x2.mul (f64x2.mul (v128.const f64x2 0.5 0.5) (local.get $f0)) (local.get $f0)))
    (local.set $h1 (f64x2.mul (f64x2.mul (v128.const f64x2 0.5 0.5) (local.get $f1)) (local.get $f1)))
    (local.set $h2 (f64x2.mul (f64x2.mul (v128.const f64x2 0.5 0.5) (local.get $f2)) (local.get $f2)))
    (local.set $h3 (f64x2.mul (f64x2.mul (v128.const f64x2 0.5 0.5) (local.get $f3)) (local.get $f3)))
    (local.set $h4 (f64x2.mul (f64x2.mul (v128.const f64x2 0.5 0.5) (local.get $f4)) (local.get $f4)))
    (local.set $h5 (f64x2.mul (f64x2.mul (v128.const f64x2 0.5 0.5) (local.get $f5)) (local.get $f5)))
    (local.set $t0 (f64x2.add (f64x2.mul (local.get $e0) (v128.const f64x2 0x1.62e42fee00000p-1 0x1.62e42fee00000p-1)) (f64x2.add (f64x2.sub (local.get $f0) (f64x2.sub (local.get $h0) (f64x2.mul (local.get $r0) (f64x2.add (local.get $h0) (f64x2.mul (f64x2.mul (v128.const f64x2 2 2) (local.get $z0)) (local.get $t0)))))) (f64x2.mul (local.get $e0) (v128.const f64x2 0x1.a39ef35793c76p-33 0x1.a39ef35793c76p-33)))))
    (local.set $t1 (f64x2.add (f64x2.mul (local.get $e1) (v128.const f64x2 0x1.62e42fee00000p-1 0x1.62e42fee00000p-1)) (f64x2.add (f64x2.sub (local.get $f1) (f64x2.sub (local.get $h1) (f64x2.mul (local.get $r1) (f64x2.add (local.get $h1) (f64x2.mul (f64x2.mul (v128.const f64x2 2 2) (local.get $z1)) (local.get $t1)))))) (f64x2.mul (local.get $e1) (v128.const f64x2 0x1.a39ef35793c76p-33 0x1.a39ef35793c76p-33)))))
    (local.set $t2 (f64x2.add (f64x2.mul (local.get $e2) (v128.const f64x2 0x1.62e42fee00000p-1 0x1.62e42fee00000p-1)) (f64x2.add (f64x2.sub (local.get $f2) (f64x2.sub (local.get $h2) (f64x2.mul (local.get $r2) (f64x2.add (local.get $h2) (f64x2.mul (f64x2.mul (v128.const f64x2 2 2) (local.get $z2)) (local.get $t2)))))) (f64x2.mul (local.get $e2) (v128.const f64x2 0x1.a39ef35793c76p-33 0x1.a39ef35793c76p-33)))))
    (local.set $t3 (f64x2.add (f64x2.mul (local.get $e3) (v128.const f64x2 0x1.62e42fee00000p-1 0x1.62e42fee00000p-1)) (f64x2.add (f64x2.sub (local.get $f3) (f64x2.sub (local.get $h3) (f64x2.mul (local.get $r3) (f64x2.add (local.get $h3) (f64x2.mul (f64x2.mul (v128.const f64x2 2 2) (local.get $z3)) (local.get $t3)))))) (f64x2.mul (local.get $e3) (v128.const f64x2 0x1.a39ef35793c76p-33 0x1.a39ef35793c76p-33)))))
    (local.set $t4 (f64x2.add (f64x2.mul (local.get $e4) (v128.const f64x2 0x1.62e42fee00000p-1 0x1.62e42fee00000p-1)) (f64x2.add (f64x2.sub (local.get $f4) (f64x2.sub (local.get $h4) (f64x2.mul (local.get $r4) (f64x2.add (local.get $h4) (f64x2.mul (f64x2.mul (v128.const f64x2 2 2) (local.get $z4)) (local.get $t4)))))) (f64x2.mul (local.get $e4) (v128.const f64x2 0x1.a39ef35793c76p-33 0x1.a39ef35793c76p-33)))))
    (local.set $t5 (f64x2.add (f64x2.mul (local.get $e5) (v128.const f64x2 0x1.62e42fee00000p-1 0x1.62e42fee00000p-1)) (f64x2.add (f64x2.sub (local.get $f5) (f64x2.sub (local.get $h5) (f64x2.mul (local.get $r5) (f64x2.add (local.get $h5) (f64x2.mul (f64x2.mul (v128.const f64x2 2 2) (local.get $z5)) (local.get $t5)))))) (f64x2.mul (local.get $e5) (v128.const f64x2 0x1.a39ef35793c76p-33 0x1.a39ef35793c76p-33)))))
    ;; m = √(−2·log s / s); the pairs (0 + u·m, 0 + v·m) back in place
    (local.set $m0 (f64x2.sqrt (f64x2.div (f64x2.mul (v128.const f64x2 -2 -2) (local.get $t0)) (local.get $s0))))
    (local.set $m1 (f64x2.sqrt (f64x2.div (f64x2.mul (v128.const f64x2 -2 -2) (local.get $t1)) (local.get $s1))))
    (local.set $m2 (f64x2.sqrt (f64x2.div (f64x2.mul (v128.const f64x2 -2 -2) (local.get $t2)) (local.get $s2))))
    (local.set $m3 (f64x2.sqrt (f64x2.div (f64x2.mul (v128.const f64x2 -2 -2) (local.get $t3)) (local.get $s3))))
    (local.set $m4 (f64x2.sqrt (f64x2.div (f64x2.mul (v128.const f64x2 -2 -2) (local.get $t4)) (local.get $s4))))
    (local.set $m5 (f64x2.sqrt (f64x2.div (f64x2.mul (v128.const f64x2 -2 -2) (local.get $t5)) (local.get $s5))))
    (local.set $x0 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $u0) (local.get $m0))))
    (local.set $x1 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $u1) (local.get $m1))))
    (local.set $x2 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $u2) (local.get $m2))))
    (local.set $x3 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $u3) (local.get $m3))))
    (local.set $x4 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $u4) (local.get $m4))))
    (local.set $x5 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $u5) (local.get $m5))))
    (local.set $y0 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $v0) (local.get $m0))))
    (local.set $y1 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $v1) (local.get $m1))))
    (local.set $y2 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $v2) (local.get $m2))))
    (local.set $y3 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $v3) (local.get $m3))))
    (local.set $y4 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $v4) (local.get $m4))))
    (local.set $y5 (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (local.get $v5) (local.get $m5))))
    (v128.store offset=0 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x0) (local.get $y0)))
    (v128.store offset=32 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x1) (local.get $y1)))
    (v128.store offset=64 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x2) (local.get $y2)))
    (v128.store offset=96 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x3) (local.get $y3)))
    (v128.store offset=128 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x4) (local.get $y4)))
    (v128.store offset=160 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x5) (local.get $y5)))
    (v128.store offset=16 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x0) (local.get $y0)))
    (v128.store offset=48 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x1) (local.get $y1)))
    (v128.store offset=80 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x2) (local.get $y2)))
    (v128.store offset=112 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x3) (local.get $y3)))
    (v128.store offset=144 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x4) (local.get $y4)))
    (v128.store offset=176 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x5) (local.get $y5))))


  ;; For tests: n values in (0, 1) at `at` replaced by their logOpenUnit, four at a time, then the last ones one by one.
  (func (export "logs") (param $at i32) (param $n i32)
    (local $end i32) (local $lo v128) (local $hi v128)
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $four
        (br_if $done (i32.gt_u (i32.add (local.get $at) (i32.const 32)) (local.get $end)))
        (call $log4 (v128.load (local.get $at)) (v128.load offset=16 (local.get $at)))
        (local.set $hi)
        (local.set $lo)
        (v128.store (local.get $at) (local.get $lo))
        (v128.store offset=16 (local.get $at) (local.get $hi))
        (local.set $at (i32.add (local.get $at) (i32.const 32)))
        (br $four)))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $at) (local.get $end)))
        (call $log4 (f64x2.splat (f64.load (local.get $at))) (f64x2.splat (f64.load (local.get $at))))
        (drop)
        (local.set $lo)
        (f64.store (local.get $at) (f64x2.extract_lane 0 (local.get $lo)))
        (local.set $at (i32.add (local.get $at) (i32.const 8)))
        (br $one))))

  ;; k normal pairs as f64 at `out` (2k values in stream order); `out` needs room for k rounded up to a multiple of 12
  ;; pairs (noise-kernel.ts `pairsBytes`: the last group of twelve is scaled whole, whatever the lanes past the end
  ;; hold: no float operation traps, and a store per pair behind a branch costs more than the spare lanes). Two passes:
  ;; the accepted (u, v) in stream order (the outputs from the blocks above), then m twelve pairs at a time (no
  ;; dependency between pairs). One loop doing both (the integer work of the draws next to the float work of pairs
  ;; drawn earlier, so that the CPU overlaps them) was slower: 1.33–1.71 ms for 98 304 pairs against 1.22.
  ;; Each candidate takes four outputs: u from the first two, v from the last two, as random(): ((r0 >>> 5)·2^26 +
  ;; (r1 >>> 6))/2^53, then 2x − 1. Both steps are exact, so u = A·2^−52 − 1 with A the 53-bit integer is the same
  ;; double, here (r0 >>> 5)·2^−26 + ((r1 >>> 6)·2^−52 − 1) for u and v in the two lanes of one vector. A candidate is stored unconditionally and kept by advancing p only when 0 < s < 1: the rejection branch
  ;; is unpredictable (about one in five), a conditional add is not.
  (func (export "pairs") (param $out i32) (param $k i32)
    (local $w i32) (local $x v128) (local $hi2 v128) (local $lo2 v128) (local $uv v128) (local $ss v128) (local $p i32) (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 4))))
    (local.set $p (local.get $out))
    (v128.store (i32.const 2064) (v128.load (i32.const 0)))
    (call $block)
    (local.set $w (i32.const 2176))
    (block $done
      (loop $draw
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (if (i32.eq (local.get $w) (i32.const 18560)) (then
          (v128.store (i32.const 2064) (v128.load (i32.const 2128)))
          (call $block)
          (local.set $w (i32.const 2176))))
        ;; the candidate's outputs r0 r1 r2 r3; [r0 >>> 5, r2 >>> 5] and [r1 >>> 6, r3 >>> 6] as f64
        (local.set $x (v128.load (local.get $w)))
        (local.set $hi2 (f64x2.convert_low_i32x4_s (i8x16.shuffle 0 1 2 3 8 9 10 11 0 1 2 3 8 9 10 11
          (i32x4.shr_u (local.get $x) (i32.const 5)) (local.get $x))))
        (local.set $lo2 (f64x2.convert_low_i32x4_s (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15
          (i32x4.shr_u (local.get $x) (i32.const 6)) (local.get $x))))
        ;; [u, v] = hi·2^−26 + (lo·2^−52 − 1): every step exact, so A·2^−52 − 1
        (local.set $uv (f64x2.add (f64x2.mul (local.get $hi2) (v128.const f64x2 0x1p-26 0x1p-26))
          (f64x2.sub (f64x2.mul (local.get $lo2) (v128.const f64x2 0x1p-52 0x1p-52)) (v128.const f64x2 1 1))))
        ;; s = u·u + v·v in both lanes (v·v + u·u is the same sum)
        (local.set $ss (f64x2.mul (local.get $uv) (local.get $uv)))
        (local.set $ss (f64x2.add (local.get $ss) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $ss) (local.get $ss))))
        (v128.store (local.get $p) (local.get $uv))
        ;; kept when 0 < s < 1 (s ≥ 0 always, so s > 0 is s ≠ 0)
        (local.set $p (i32.add (local.get $p) (i32.and (i32.const 16) (i32x4.extract_lane 0
          (v128.and (f64x2.lt (local.get $ss) (v128.const f64x2 1 1)) (f64x2.gt (local.get $ss) (v128.const f64x2 0 0)))))))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (br $draw)))
    (call $stateAfter (i32.shr_u (i32.sub (local.get $w) (i32.const 2176)) (i32.const 2)))
    (local.set $p (local.get $out))
    (block $done2
      (loop $scale
        (br_if $done2 (i32.ge_u (local.get $p) (local.get $end)))
        (call $scale12 (local.get $p))
        (local.set $p (i32.add (local.get $p) (i32.const 192)))
        (br $scale))))

  ;; gaussianNoise's output: dst[j·group + c] = f32(clip(f64(src[j·group + c]) + z[j]·sd)) for j < n, c < group
  ;; (src, dst float32; z float64), clip01(v) = v < 0 ? 0 : v > 1 ? 1 : v when `clip` is 1 (NaN and −0 pass
  ;; through, as there). One value per draw runs four at a time in f64x2 lanes. Everything is written inline: this
  ;; engine generation does not inline small WebAssembly functions, and a call per value doubled the time.
  (func (export "addScaled") (param $src i32) (param $dst i32) (param $z i32) (param $n i32) (param $group i32) (param $sd f64) (param $clip i32)
    (local $j i32) (local $c i32) (local $on v128) (local $sd2 v128) (local $nz f64) (local $v f64) (local $a v128) (local $b v128)
    (local $c3 v128) (local $n01 v128) (local $n23 v128) (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128) (local $p4 v128) (local $p5 v128)
    (if (i32.eq (local.get $group) (i32.const 1))
      (then
        (local.set $on (i32x4.splat (i32.sub (i32.const 0) (local.get $clip))))
        (local.set $sd2 (f64x2.splat (local.get $sd)))
        (block $done (loop $four
          (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
          (local.set $a (v128.load (local.get $src)))
          (local.set $b (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a) (local.get $a))))
          (local.set $a (f64x2.promote_low_f32x4 (local.get $a)))
          (local.set $a (f64x2.add (local.get $a) (f64x2.mul (v128.load (local.get $z)) (local.get $sd2))))
          (local.set $b (f64x2.add (local.get $b) (f64x2.mul (v128.load offset=16 (local.get $z)) (local.get $sd2))))
          (local.set $a (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $a) (v128.and (f64x2.gt (local.get $a) (v128.const f64x2 1 1)) (local.get $on)))
            (v128.and (f64x2.lt (local.get $a) (v128.const f64x2 0 0)) (local.get $on))))
          (local.set $b (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $b) (v128.and (f64x2.gt (local.get $b) (v128.const f64x2 1 1)) (local.get $on)))
            (v128.and (f64x2.lt (local.get $b) (v128.const f64x2 0 0)) (local.get $on))))
          (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $a)) (f32x4.demote_f64x2_zero (local.get $b))))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (local.set $z (i32.add (local.get $z) (i32.const 32)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $four)))))
    ;; three values per draw (grey noise on RGB): four draws at a time, their twelve values in three vectors, each
    ;; pair of values with the pair of noises it takes ([n0, n0], [n0, n1], [n1, n1], [n2, n2], [n2, n3], [n3, n3]),
    ;; the scalar loop's operations per lane. Grey noise on 256² RGB: 0.43 → 0.13 ms for this pass.
    (if (i32.eq (local.get $group) (i32.const 3))
      (then
        (local.set $on (i32x4.splat (i32.sub (i32.const 0) (local.get $clip))))
        (local.set $sd2 (f64x2.splat (local.get $sd)))
        (block $done (loop $four
          (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
          ;; nz = z·sd of draws j … j + 3
          (local.set $n01 (f64x2.mul (v128.load (local.get $z)) (local.get $sd2)))
          (local.set $n23 (f64x2.mul (v128.load offset=16 (local.get $z)) (local.get $sd2)))
          (local.set $a (v128.load (local.get $src)))
          (local.set $b (v128.load offset=16 (local.get $src)))
          (local.set $c3 (v128.load offset=32 (local.get $src)))
          (local.set $p0 (f64x2.add (f64x2.promote_low_f32x4 (local.get $a))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 (local.get $n01) (local.get $n01))))
          (local.set $p1 (f64x2.add (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a) (local.get $a))) (local.get $n01)))
          (local.set $p2 (f64x2.add (f64x2.promote_low_f32x4 (local.get $b))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $n01) (local.get $n01))))
          (local.set $p3 (f64x2.add (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $b) (local.get $b)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 (local.get $n23) (local.get $n23))))
          (local.set $p4 (f64x2.add (f64x2.promote_low_f32x4 (local.get $c3)) (local.get $n23)))
          (local.set $p5 (f64x2.add (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $c3) (local.get $c3)))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $n23) (local.get $n23))))
          (local.set $p0 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p0) (v128.and (f64x2.gt (local.get $p0) (v128.const f64x2 1 1)) (local.get $on)))
            (v128.and (f64x2.lt (local.get $p0) (v128.const f64x2 0 0)) (local.get $on))))
          (local.set $p1 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p1) (v128.and (f64x2.gt (local.get $p1) (v128.const f64x2 1 1)) (local.get $on)))
            (v128.and (f64x2.lt (local.get $p1) (v128.const f64x2 0 0)) (local.get $on))))
          (local.set $p2 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p2) (v128.and (f64x2.gt (local.get $p2) (v128.const f64x2 1 1)) (local.get $on)))
            (v128.and (f64x2.lt (local.get $p2) (v128.const f64x2 0 0)) (local.get $on))))
          (local.set $p3 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p3) (v128.and (f64x2.gt (local.get $p3) (v128.const f64x2 1 1)) (local.get $on)))
            (v128.and (f64x2.lt (local.get $p3) (v128.const f64x2 0 0)) (local.get $on))))
          (local.set $p4 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p4) (v128.and (f64x2.gt (local.get $p4) (v128.const f64x2 1 1)) (local.get $on)))
            (v128.and (f64x2.lt (local.get $p4) (v128.const f64x2 0 0)) (local.get $on))))
          (local.set $p5 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p5) (v128.and (f64x2.gt (local.get $p5) (v128.const f64x2 1 1)) (local.get $on)))
            (v128.and (f64x2.lt (local.get $p5) (v128.const f64x2 0 0)) (local.get $on))))
          (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $p0)) (f32x4.demote_f64x2_zero (local.get $p1))))
          (v128.store offset=16 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $p2)) (f32x4.demote_f64x2_zero (local.get $p3))))
          (v128.store offset=32 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $p4)) (f32x4.demote_f64x2_zero (local.get $p5))))
          (local.set $src (i32.add (local.get $src) (i32.const 48)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 48)))
          (local.set $z (i32.add (local.get $z) (i32.const 32)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $four)))))
    (block $done (loop $draw
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $nz (f64.mul (f64.load (local.get $z)) (local.get $sd)))
      (local.set $c (i32.const 0))
      (block $cdone (loop $chan
        (br_if $cdone (i32.ge_u (local.get $c) (local.get $group)))
        (local.set $v (f64.add (f64.promote_f32 (f32.load (local.get $src))) (local.get $nz)))
        (f32.store (local.get $dst) (f32.demote_f64
          (select (f64.const 0)
            (select (f64.const 1) (local.get $v) (i32.and (f64.gt (local.get $v) (f64.const 1)) (local.get $clip)))
            (i32.and (f64.lt (local.get $v) (f64.const 0)) (local.get $clip)))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $chan)))
      (local.set $z (i32.add (local.get $z) (i32.const 8)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $draw))))

  ;; poissonNoise's base: bytes[p] = q(x) = clip(round(255x), 0, 255) with ties to even and NaN → 0 (convert.ts
  ;; `toByte`; f64.nearest rounds half to even) for p < n, x = src[p] (`stride` 1), or with `luma` 1 the pixel's
  ;; f32(0.299·r + 0.587·g + 0.114·b) of its first three channels (color.ts `rgbToLuma`, which stores it as float32),
  ;; pixels `stride` values apart. hist[b] counts each byte value (256 i32); the 4 KB from `hist` are scratch: with
  ;; `stride` 1 (no luma), or luma with `stride` 3 or 4, four values at a time take the SIMD path below, each lane
  ;; counting into its own histogram (runs of equal bytes in a natural image would otherwise chain each count on the
  ;; store before it), summed at the end.
  (func (export "bytes") (param $src i32) (param $n i32) (param $luma i32) (param $stride i32) (param $dst i32) (param $hist i32)
    (local $p i32) (local $b i32) (local $h i32) (local $v f64) (local $x v128) (local $lo v128) (local $hi v128) (local $l01 v128)
    (memory.fill (local.get $hist) (i32.const 0) (i32.const 4096))
    ;; consecutive values (colour, or one channel): q of four at a time in f64x2 lanes as convert.ts's SIMD
    ;; `toBytes` (quantize.wat), the same rounding as below; only the histogram counts stay scalar. With `luma` and
    ;; stride 3 or 4 (grey), the four pixels' f32(0.299·r + 0.587·g + 0.114·b) first, in f64x2 lanes (the scalar
    ;; loop's operations in its order: 0.35 → 0.21 ms per 65 536 pixels here, busy machine)
    (if (i32.or (i32.and (i32.eqz (local.get $luma)) (i32.eq (local.get $stride) (i32.const 1)))
                (i32.and (i32.ne (local.get $luma) (i32.const 0)) (i32.or (i32.eq (local.get $stride) (i32.const 3)) (i32.eq (local.get $stride) (i32.const 4))))) (then
      (block $done4 (loop $four
        (br_if $done4 (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $n)))
        (if (local.get $luma) (then
          (if (i32.eq (local.get $stride) (i32.const 3))
          (then ;; stride 3: r0 g0 b0 r1 | g1 b1 r2 g2 | b2 r3 g3 b3
            (local.set $lo (v128.load (local.get $src)))
            (local.set $hi (v128.load offset=16 (local.get $src)))
            (local.set $x (v128.load offset=32 (local.get $src)))
            (local.set $l01 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.add
              (f64x2.mul (v128.const f64x2 0x1.322d0e5604189p-2 0x1.322d0e5604189p-2) (f64x2.promote_low_f32x4 (i8x16.shuffle 0 1 2 3 28 29 30 31 0 1 2 3 28 29 30 31 (local.get $lo) (local.get $lo))))
              (f64x2.mul (v128.const f64x2 0x1.2c8b439581062p-1 0x1.2c8b439581062p-1) (f64x2.promote_low_f32x4 (i8x16.shuffle 4 5 6 7 16 17 18 19 4 5 6 7 16 17 18 19 (local.get $lo) (local.get $hi)))))
              (f64x2.mul (v128.const f64x2 0x1.d2f1a9fbe76c9p-4 0x1.d2f1a9fbe76c9p-4) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 20 21 22 23 8 9 10 11 20 21 22 23 (local.get $lo) (local.get $hi)))))))
            (local.set $x (f32x4.demote_f64x2_zero (f64x2.add (f64x2.add
              (f64x2.mul (v128.const f64x2 0x1.322d0e5604189p-2 0x1.322d0e5604189p-2) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 20 21 22 23 8 9 10 11 20 21 22 23 (local.get $hi) (local.get $x))))
              (f64x2.mul (v128.const f64x2 0x1.2c8b439581062p-1 0x1.2c8b439581062p-1) (f64x2.promote_low_f32x4 (i8x16.shuffle 12 13 14 15 24 25 26 27 12 13 14 15 24 25 26 27 (local.get $hi) (local.get $x)))))
              (f64x2.mul (v128.const f64x2 0x1.d2f1a9fbe76c9p-4 0x1.d2f1a9fbe76c9p-4) (f64x2.promote_low_f32x4 (i8x16.shuffle 0 1 2 3 28 29 30 31 0 1 2 3 28 29 30 31 (local.get $x) (local.get $x)))))))
            (local.set $src (i32.add (local.get $src) (i32.const 48))))
          (else ;; stride 4: pixel i in vector i, lanes 0, 1, 2
            (local.set $lo (v128.load (local.get $src)))
            (local.set $hi (v128.load offset=16 (local.get $src)))
            (local.set $l01 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.add
              (f64x2.mul (v128.const f64x2 0x1.322d0e5604189p-2 0x1.322d0e5604189p-2) (f64x2.promote_low_f32x4 (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $lo) (local.get $hi))))
              (f64x2.mul (v128.const f64x2 0x1.2c8b439581062p-1 0x1.2c8b439581062p-1) (f64x2.promote_low_f32x4 (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $lo) (local.get $hi)))))
              (f64x2.mul (v128.const f64x2 0x1.d2f1a9fbe76c9p-4 0x1.d2f1a9fbe76c9p-4) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $lo) (local.get $hi)))))))
            (local.set $lo (v128.load offset=32 (local.get $src)))
            (local.set $hi (v128.load offset=48 (local.get $src)))
            (local.set $x (f32x4.demote_f64x2_zero (f64x2.add (f64x2.add
              (f64x2.mul (v128.const f64x2 0x1.322d0e5604189p-2 0x1.322d0e5604189p-2) (f64x2.promote_low_f32x4 (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $lo) (local.get $hi))))
              (f64x2.mul (v128.const f64x2 0x1.2c8b439581062p-1 0x1.2c8b439581062p-1) (f64x2.promote_low_f32x4 (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $lo) (local.get $hi)))))
              (f64x2.mul (v128.const f64x2 0x1.d2f1a9fbe76c9p-4 0x1.d2f1a9fbe76c9p-4) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $lo) (local.get $hi)))))))
            (local.set $src (i32.add (local.get $src) (i32.const 64)))))
          (local.set $x (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $l01) (local.get $x))))
        (else
          (local.set $x (v128.load (local.get $src)))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))))
        (local.set $lo (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (v128.const f64x2 255 255)))
        (local.set $hi (f64x2.mul (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))) (v128.const f64x2 255 255)))
        (local.set $lo (v128.bitselect
          (v128.bitselect (v128.const f64x2 255 255) (f64x2.nearest (local.get $lo)) (f64x2.ge (local.get $lo) (v128.const f64x2 255 255)))
          (v128.const f64x2 0 0) (f64x2.gt (local.get $lo) (v128.const f64x2 0 0))))
        (local.set $hi (v128.bitselect
          (v128.bitselect (v128.const f64x2 255 255) (f64x2.nearest (local.get $hi)) (f64x2.ge (local.get $hi) (v128.const f64x2 255 255)))
          (v128.const f64x2 0 0) (f64x2.gt (local.get $hi) (v128.const f64x2 0 0))))
        ;; four integers 0..255 in i32 lanes, then as bytes
        (local.set $x (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (i32x4.trunc_sat_f64x2_s_zero (local.get $lo)) (i32x4.trunc_sat_f64x2_s_zero (local.get $hi))))
        (local.set $lo (i16x8.narrow_i32x4_s (local.get $x) (local.get $x)))
        (v128.store32_lane 0 (i32.add (local.get $dst) (local.get $p)) (i8x16.narrow_i16x8_u (local.get $lo) (local.get $lo)))
        (local.set $h (i32.add (local.get $hist) (i32.shl (i32x4.extract_lane 0 (local.get $x)) (i32.const 2))))
        (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
        (local.set $h (i32.add (i32.add (local.get $hist) (i32.const 1024)) (i32.shl (i32x4.extract_lane 1 (local.get $x)) (i32.const 2))))
        (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
        (local.set $h (i32.add (i32.add (local.get $hist) (i32.const 2048)) (i32.shl (i32x4.extract_lane 2 (local.get $x)) (i32.const 2))))
        (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
        (local.set $h (i32.add (i32.add (local.get $hist) (i32.const 3072)) (i32.shl (i32x4.extract_lane 3 (local.get $x)) (i32.const 2))))
        (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $four)))
      (local.set $b (i32.const 0))
      (loop $sum
        (local.set $h (i32.add (local.get $hist) (local.get $b)))
        (v128.store (local.get $h) (i32x4.add (i32x4.add (v128.load (local.get $h)) (v128.load offset=1024 (local.get $h)))
          (i32x4.add (v128.load offset=2048 (local.get $h)) (v128.load offset=3072 (local.get $h)))))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br_if $sum (i32.lt_u (local.get $b) (i32.const 1024))))))
    (local.set $stride (i32.shl (local.get $stride) (i32.const 2)))
    (block $done (loop $px
      (br_if $done (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $v (f64.mul (f64.promote_f32 (if (result f32) (local.get $luma)
        (then (f32.demote_f64 (f64.add (f64.add
          (f64.mul (f64.const 0x1.322d0e5604189p-2) (f64.promote_f32 (f32.load (local.get $src))))
          (f64.mul (f64.const 0x1.2c8b439581062p-1) (f64.promote_f32 (f32.load offset=4 (local.get $src)))))
          (f64.mul (f64.const 0x1.d2f1a9fbe76c9p-4) (f64.promote_f32 (f32.load offset=8 (local.get $src)))))))
        (else (f32.load (local.get $src))))) (f64.const 255)))
      (local.set $b (i32.trunc_f64_u (select (f64.const 0)
        (select (f64.const 255) (f64.nearest (local.get $v)) (f64.ge (local.get $v) (f64.const 255)))
        (i32.eqz (f64.gt (local.get $v) (f64.const 0))))))
      (i32.store8 (i32.add (local.get $dst) (local.get $p)) (local.get $b))
      (local.set $h (i32.add (local.get $hist) (i32.shl (local.get $b) (i32.const 2))))
      (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
      (local.set $src (i32.add (local.get $src) (local.get $stride)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $px))))

  ;; `poisson`'s first pass (1. above), the outputs read from the blocks: two per drawn pixel, at consecutive addresses.
  (func $poissonDraws (param $bytes i32) (param $n i32) (param $tabs i32) (param $bits i32) (param $ks i32)
    (local $w i32) (local $p i32) (local $b i32) (local $k i32) (local $t i32) (local $hi i32) (local $top i32) (local $cdf i32)
    (local $u f64) (local $shift i32)
    (local.set $shift (i32.sub (i32.const 27) (local.get $bits)))
    (v128.store (i32.const 2064) (v128.load (i32.const 0)))
    (call $block)
    (local.set $w (i32.const 2176))
    (block $done (loop $px
      (br_if $done (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $b (i32.load8_u (i32.add (local.get $bytes) (local.get $p))))
      (local.set $k (i32.const 0))
      (if (local.get $b) (then
        (if (i32.eq (local.get $w) (i32.const 18560)) (then
          (v128.store (i32.const 2064) (v128.load (i32.const 2128)))
          (call $block)
          (local.set $w (i32.const 2176))))
        (local.set $hi (i32.shr_u (i32.load (local.get $w)) (i32.const 5)))
        ;; the bucket (u·2^bits) | 0 = A >> (53 − bits) = hi >> (27 − bits): u itself is only needed for a search
        (local.set $t (i32.add (local.get $tabs) (i32.shl (local.get $b) (i32.const 4))))
        (local.set $k (i32.load8_u (i32.add (i32.load offset=4 (local.get $t)) (i32.shr_u (local.get $hi) (local.get $shift)))))
        (if (i32.and (local.get $k) (i32.const 0x80))
          (then (local.set $k (i32.add (i32.load offset=12 (local.get $t)) (i32.and (local.get $k) (i32.const 0x7f)))))
          (else
            (local.set $u (f64.mul (f64.convert_i64_u (i64.or
              (i64.shl (i64.extend_i32_u (local.get $hi)) (i64.const 26))
              (i64.extend_i32_u (i32.shr_u (i32.load offset=4 (local.get $w)) (i32.const 6)))))
              (f64.const 0x1p-53)))
            (local.set $k (select (i32.const 0) (i32.add (i32.load offset=12 (local.get $t)) (local.get $k))
                                  (i32.eq (local.get $k) (i32.const 0x7f))))
            ;; while (k < hi && cdf[k] <= u) k++
            (local.set $cdf (i32.load (local.get $t)))
            (local.set $top (i32.load offset=8 (local.get $t)))
            (block $found (loop $step
              (br_if $found (i32.ge_u (local.get $k) (local.get $top)))
              (br_if $found (f64.gt (f64.load (i32.add (local.get $cdf) (i32.shl (local.get $k) (i32.const 3)))) (local.get $u)))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $step)))))
        (local.set $w (i32.add (local.get $w) (i32.const 8)))))
      (i32.store16 (i32.add (local.get $ks) (i32.shl (local.get $p) (i32.const 1))) (local.get $k))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $px)))
    (call $stateAfter (i32.shr_u (i32.sub (local.get $w) (i32.const 2176)) (i32.const 2))))

  ;; poissonNoise's draws and output, in two passes (one long chain per pixel left the CPU too few pixels in flight).
  ;; 1. For pixel p < n with byte b = bytes[p]: b = 0 has rate 0 (no draw, k = 0); otherwise u = random() (two outputs,
  ;;    27 + 26 bits, A·2^−53 exactly as (a·2^26 + b)/2^53) and k = the first k ≤ hi with cdf[k] > u (else hi), as
  ;;    random.ts `PoissonTable.invert`, from the table's fine guide (noise.ts `NoiseTable`) of 2^bits entries:
  ;;    e = guide[(u·2^bits) | 0] gives k = base + (e & 0x7f) outright when bit 7 is set; otherwise the search runs on
  ;;    from base + e (from 0 when e = 0x7f). ks[p] = k (u16).
  ;; 2. noise = f32((k·invV − b/255)·scale) (k/V = k·(1/V) exactly: V is a power of two; b = 0 gives +0, as the
  ;;    TypeScript's 0), dst[p·group + c] = f32(clip01(f64(src[p·group + c]) + f64(noise))) for c < group; one value
  ;;    per pixel runs four at a time in f64x2 lanes.
  ;; tabs: per byte value four i32 (cdf address, guide address (u8 entries), hi, base), then 256 f64 for b/255.
  (func (export "poisson") (param $bytes i32) (param $n i32) (param $src i32) (param $dst i32) (param $group i32)
    (param $invV f64) (param $scale f64) (param $tabs i32) (param $bits i32) (param $ks i32)
    (local $p i32) (local $b i32) (local $c i32) (local $nz f64) (local $v f64) (local $over i32) (local $at i32)
    (local $bv v128) (local $kv v128) (local $lo v128) (local $hv v128) (local $invV2 v128) (local $scale2 v128)
    (local $a v128) (local $b3 v128) (local $c3 v128) (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128) (local $p4 v128) (local $p5 v128)
    ;; b/255 for every byte value (the division, as the TypeScript)
    (local.set $over (i32.add (local.get $tabs) (i32.const 4096)))
    (block $bdone (loop $bl
      (br_if $bdone (i32.ge_u (local.get $b) (i32.const 256)))
      (f64.store (i32.add (local.get $over) (i32.shl (local.get $b) (i32.const 3)))
        (f64.div (f64.convert_i32_u (local.get $b)) (f64.const 255)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl)))
    (call $poissonDraws (local.get $bytes) (local.get $n) (local.get $tabs) (local.get $bits) (local.get $ks))
    (local.set $p (i32.const 0))
    (if (i32.eq (local.get $group) (i32.const 1))
      (then
        (local.set $invV2 (f64x2.splat (local.get $invV)))
        (local.set $scale2 (f64x2.splat (local.get $scale)))
        (block $done4 (loop $four
          (br_if $done4 (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $n)))
          ;; four bytes and four k as i32 lanes; the noise of each, rounded to float32 and back
          (local.set $kv (i32x4.extend_low_i16x8_u
            (v128.load64_zero (i32.add (local.get $ks) (i32.shl (local.get $p) (i32.const 1))))))
          ;; b/255 from the table at `over` (the same divisions), two lanes per vector: two divisions per four pixels
          ;; here took most of this loop's time
          (local.set $at (i32.add (local.get $bytes) (local.get $p)))
          (local.set $lo (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub
            (f64x2.mul (f64x2.convert_low_i32x4_u (local.get $kv)) (local.get $invV2))
            (v128.load64_lane 1 (i32.add (local.get $over) (i32.shl (i32.load8_u offset=1 (local.get $at)) (i32.const 3)))
              (v128.load64_zero (i32.add (local.get $over) (i32.shl (i32.load8_u (local.get $at)) (i32.const 3))))))
            (local.get $scale2)))))
          (local.set $kv (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $kv) (local.get $kv)))
          (local.set $hv (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub
            (f64x2.mul (f64x2.convert_low_i32x4_u (local.get $kv)) (local.get $invV2))
            (v128.load64_lane 1 (i32.add (local.get $over) (i32.shl (i32.load8_u offset=3 (local.get $at)) (i32.const 3)))
              (v128.load64_zero (i32.add (local.get $over) (i32.shl (i32.load8_u offset=2 (local.get $at)) (i32.const 3))))))
            (local.get $scale2)))))
          ;; + the input, clipped to [0, 1]
          (local.set $bv (v128.load (local.get $src)))
          (local.set $lo (f64x2.add (f64x2.promote_low_f32x4 (local.get $bv)) (local.get $lo)))
          (local.set $hv (f64x2.add (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $bv) (local.get $bv))) (local.get $hv)))
          (local.set $lo (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $lo) (f64x2.gt (local.get $lo) (v128.const f64x2 1 1)))
            (f64x2.lt (local.get $lo) (v128.const f64x2 0 0))))
          (local.set $hv (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $hv) (f64x2.gt (local.get $hv) (v128.const f64x2 1 1)))
            (f64x2.lt (local.get $hv) (v128.const f64x2 0 0))))
          (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hv))))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $four)))))
    ;; three values per pixel (grey noise on RGB): the noise of four pixels as above, [n0, n1] and [n2, n3], then their
    ;; twelve values as addScaled's three-value path does, clipped. Grey Poisson on 256² RGB: 0.62 → 0.57 ms for `poisson`.
    (if (i32.eq (local.get $group) (i32.const 3))
      (then
        (local.set $invV2 (f64x2.splat (local.get $invV)))
        (local.set $scale2 (f64x2.splat (local.get $scale)))
        (block $done4 (loop $four
          (br_if $done4 (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $n)))
          (local.set $kv (i32x4.extend_low_i16x8_u
            (v128.load64_zero (i32.add (local.get $ks) (i32.shl (local.get $p) (i32.const 1))))))
          ;; b/255 from the table at `over` (the same divisions), two lanes per vector: two divisions per four pixels
          ;; here took most of this loop's time
          (local.set $at (i32.add (local.get $bytes) (local.get $p)))
          (local.set $lo (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub
            (f64x2.mul (f64x2.convert_low_i32x4_u (local.get $kv)) (local.get $invV2))
            (v128.load64_lane 1 (i32.add (local.get $over) (i32.shl (i32.load8_u offset=1 (local.get $at)) (i32.const 3)))
              (v128.load64_zero (i32.add (local.get $over) (i32.shl (i32.load8_u (local.get $at)) (i32.const 3))))))
            (local.get $scale2)))))
          (local.set $kv (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $kv) (local.get $kv)))
          (local.set $hv (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub
            (f64x2.mul (f64x2.convert_low_i32x4_u (local.get $kv)) (local.get $invV2))
            (v128.load64_lane 1 (i32.add (local.get $over) (i32.shl (i32.load8_u offset=3 (local.get $at)) (i32.const 3)))
              (v128.load64_zero (i32.add (local.get $over) (i32.shl (i32.load8_u offset=2 (local.get $at)) (i32.const 3))))))
            (local.get $scale2)))))
          (local.set $a (v128.load (local.get $src)))
          (local.set $b3 (v128.load offset=16 (local.get $src)))
          (local.set $c3 (v128.load offset=32 (local.get $src)))
          (local.set $p0 (f64x2.add (f64x2.promote_low_f32x4 (local.get $a))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 (local.get $lo) (local.get $lo))))
          (local.set $p1 (f64x2.add (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a) (local.get $a))) (local.get $lo)))
          (local.set $p2 (f64x2.add (f64x2.promote_low_f32x4 (local.get $b3))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $lo) (local.get $lo))))
          (local.set $p3 (f64x2.add (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $b3) (local.get $b3)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 (local.get $hv) (local.get $hv))))
          (local.set $p4 (f64x2.add (f64x2.promote_low_f32x4 (local.get $c3)) (local.get $hv)))
          (local.set $p5 (f64x2.add (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $c3) (local.get $c3)))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $hv) (local.get $hv))))
          (local.set $p0 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p0) (f64x2.gt (local.get $p0) (v128.const f64x2 1 1)))
            (f64x2.lt (local.get $p0) (v128.const f64x2 0 0))))
          (local.set $p1 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p1) (f64x2.gt (local.get $p1) (v128.const f64x2 1 1)))
            (f64x2.lt (local.get $p1) (v128.const f64x2 0 0))))
          (local.set $p2 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p2) (f64x2.gt (local.get $p2) (v128.const f64x2 1 1)))
            (f64x2.lt (local.get $p2) (v128.const f64x2 0 0))))
          (local.set $p3 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p3) (f64x2.gt (local.get $p3) (v128.const f64x2 1 1)))
            (f64x2.lt (local.get $p3) (v128.const f64x2 0 0))))
          (local.set $p4 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p4) (f64x2.gt (local.get $p4) (v128.const f64x2 1 1)))
            (f64x2.lt (local.get $p4) (v128.const f64x2 0 0))))
          (local.set $p5 (v128.bitselect (v128.const f64x2 0 0)
            (v128.bitselect (v128.const f64x2 1 1) (local.get $p5) (f64x2.gt (local.get $p5) (v128.const f64x2 1 1)))
            (f64x2.lt (local.get $p5) (v128.const f64x2 0 0))))
          (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $p0)) (f32x4.demote_f64x2_zero (local.get $p1))))
          (v128.store offset=16 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $p2)) (f32x4.demote_f64x2_zero (local.get $p3))))
          (v128.store offset=32 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $p4)) (f32x4.demote_f64x2_zero (local.get $p5))))
          (local.set $src (i32.add (local.get $src) (i32.const 48)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 48)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $four)))))
    (block $done2 (loop $px2
      (br_if $done2 (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $b (i32.load8_u (i32.add (local.get $bytes) (local.get $p))))
      (local.set $nz (f64.promote_f32 (f32.demote_f64 (f64.mul
        (f64.sub (f64.mul (f64.convert_i32_u (i32.load16_u (i32.add (local.get $ks) (i32.shl (local.get $p) (i32.const 1)))))
                          (local.get $invV))
                 (f64.load (i32.add (local.get $over) (i32.shl (local.get $b) (i32.const 3)))))
        (local.get $scale)))))
      (local.set $c (i32.const 0))
      (block $cdone (loop $chan
        (br_if $cdone (i32.ge_u (local.get $c) (local.get $group)))
        (local.set $v (f64.add (f64.promote_f32 (f32.load (local.get $src))) (local.get $nz)))
        (f32.store (local.get $dst) (f32.demote_f64 (select (f64.const 0)
          (select (f64.const 1) (local.get $v) (f64.gt (local.get $v) (f64.const 1))) (f64.lt (local.get $v) (f64.const 0)))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $chan)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $px2))))
)
