;; Standard normals for the project RNG (runtime/rng.ts `Rng.fillNormal`), bit for bit: xoshiro128** outputs, the
;; Marsaglia polar method and the fdlibm log port `detLogOpenUnit`, written with the same IEEE double operations in
;; the same order as the TypeScript (WebAssembly has no fused multiply-add; f64x2 lanes round like scalar f64), so
;; every value is identical and the generator ends where the TypeScript loop leaves it. Without WebAssembly SIMD the
;; module does not compile and rng.ts draws in TypeScript.
;;
;; `fill(dst, k, mean, std, f32)` draws k pairs in sub-chunks of up to 512 pairs, each in passes with no dependency
;; from one pair to the next inside a pass (so that the CPU overlaps many pairs; one chain per pair left it waiting):
;;   $draw   the accepted candidates (u, v) and s = u² + v², in stream order, from the generator's outputs in blocks;
;;   $log    log s in four loops (fdlibm's branches are selected per lane; the rare one is patched only when present);
;;   $scale  m = √(−2·log s / s) and the outputs mean + std·(u·m), mean + std·(v·m), as f32 or f64 at `dst`.
;; `logs(at, n)` runs $log on n values of the caller (for the tests: it must equal detLogOpenUnit bit for bit).
;; 196 608 values (one 256² RGB image, f32) in Node 20, calls alternating in one process: 3.6 → 0.87 ms against the
;; previous kernel (the generator one output at a time, the log two pairs at a time in one chain). Of what is left,
;; about 0.3 ms is $draw (0.12 of it the blocks, at the vector units' throughput), 0.25 $log and 0.18 $scale, which
;; waits on the divider: divisions and square roots share it, and each two pairs take two f64x2.div and one
;; f64x2.sqrt (about 18 cycles).
;;
;; Memory (bytes): the generator state as four i32 words at 0 (read at entry, written back at exit), the jump matrix
;; and the output block from 16 to 18560 (below), the sub-chunk's arrays from 18560 to 55424 (listed before $draw),
;; the callers' data from 55424 on (rng.ts NORMALS_FREE_AT).
;;
;; Constants are immutable v128 globals rather than v128.const: V8 builds a v128.const inside a loop from two
;; immediates each time it is used (three instructions), a global is one load.
(module
  (memory (export "memory") 1)

  ;; The generator's outputs in blocks, four streams at once (as the degradation kernel, noise.wat). xoshiro128**'s
  ;; state transition A is linear over GF(2) (xors, shifts and rotations of the 128 state bits), so the state 1024 steps
  ;; on is M·x for the 128 × 128 bit matrix M = A^1024 (its columns, A^1024 of each unit state, computed once at
  ;; instantiation by `jumpInit`). A block is the next 4096 outputs of the stream: lane j of four i32x4 lanes starts at
  ;; M^j·x (three products with M) and steps 1024 times, so each i32x4 step makes four outputs where the scalar loop
  ;; made one, and no step depends on another lane. The outputs are stored in stream order (a 4 × 4 transposition of
  ;; every four steps), so that the draws read them at consecutive addresses; the state after the last output used is
  ;; its lane's start state stepped on by scalar steps (`restep`: under 1024 steps).
  ;; Fixed memory: M at 16 (128 columns of 16 bytes), the lanes' start states at 2064 (lane j at 2064 + 16j, then the
  ;; next block's start at 2128), the block's outputs at 2176 (4096 i32: output w of the block at 2176 + 4w) up to 18560.
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


  ;; ---------------------------------------------------------------------------------------------------------------
  ;; The sub-chunk's arrays, up to 512 pairs (index i: pair i, or value i of s):
  ;;   UV 18560 (16 bytes a pair: u, v)  S 26752  Q 30848  F 34944  DK 39040  IPOS 43136  R 47232  L 51328 (8 bytes each)
  ;; The loops run over whole f64x2 vectors: an odd count also computes the lane after the last (within the arrays;
  ;; no float operation traps), and $scale writes its two values past the end of dst (rng.ts leaves room).

  (global $signBits v128 (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
  (global $twoPowMinus31 v128 (v128.const f64x2 0x1p-31 0x1p-31))
  (global $zero v128 (v128.const f64x2 0 0))
  (global $half v128 (v128.const f64x2 0.5 0.5))
  (global $one v128 (v128.const f64x2 1 1))
  (global $two v128 (v128.const f64x2 2 2))
  (global $minusTwo v128 (v128.const f64x2 -2 -2))

  ;; c accepted pairs (u, v) to UV and their s = u² + v² to S, from the block's outputs at w (refilled when used up);
  ;; returns where the next draw reads. A candidate takes two outputs: u = r·2^−31 − 1, then v alike, kept when
  ;; 0 < s < 1 (s ≥ 0 always, so s > 0 is s ≠ 0), as Rng.normal(). Both steps of u are exact: u = (r − 2^31)·2^−31, and
  ;; r − 2^31 is r with its top bit flipped, read as a signed i32 (converted exactly). Four candidates at a time (two
  ;; loads of outputs), one at a time where four could run past the block's end or keep more pairs than the sub-chunk
  ;; still needs (its last three pairs: the generator must stop right after the last pair kept). Each candidate is
  ;; stored unconditionally and kept by advancing the stores past it: the rejection (about one in five) is
  ;; unpredictable, a conditional add is not.
  (func $draw (param $w i32) (param $c i32) (result i32)
    (local $p i32) (local $q i32) (local $end i32) (local $keep i32) (local $x0 v128) (local $x1 v128)
    (local $uv0 v128) (local $uv1 v128) (local $uv2 v128) (local $uv3 v128) (local $u v128) (local $v v128)
    (local $s01 v128) (local $s23 v128) (local $ok01 v128) (local $ok23 v128)
    (local.set $p (i32.const 18560))
    (local.set $q (i32.const 26752))
    (local.set $end (i32.add (i32.const 18560) (i32.shl (local.get $c) (i32.const 4))))
    (block $done
      (loop $candidates
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (if (i32.eq (local.get $w) (i32.const 18560)) (then
          (v128.store (i32.const 2064) (v128.load (i32.const 2128)))
          (call $block)
          (local.set $w (i32.const 2176))))
        (if (i32.and (i32.le_u (i32.add (local.get $p) (i32.const 64)) (local.get $end))
                     (i32.le_u (local.get $w) (i32.const 18528)))
          (then
            ;; four candidates: [u0, v0] … [u3, v3], then s of 0 and 1, of 2 and 3 as [u0, u1]² + [v0, v1]² …
            (local.set $x0 (v128.xor (v128.load (local.get $w)) (global.get $signBits)))
            (local.set $x1 (v128.xor (v128.load offset=16 (local.get $w)) (global.get $signBits)))
            (local.set $uv0 (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $x0)) (global.get $twoPowMinus31)))
            (local.set $uv1 (f64x2.mul (f64x2.convert_low_i32x4_s
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x0) (local.get $x0))) (global.get $twoPowMinus31)))
            (local.set $uv2 (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $x1)) (global.get $twoPowMinus31)))
            (local.set $uv3 (f64x2.mul (f64x2.convert_low_i32x4_s
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x1) (local.get $x1))) (global.get $twoPowMinus31)))
            (local.set $u (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $uv0) (local.get $uv1)))
            (local.set $v (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $uv0) (local.get $uv1)))
            (local.set $s01 (f64x2.add (f64x2.mul (local.get $u) (local.get $u)) (f64x2.mul (local.get $v) (local.get $v))))
            (local.set $u (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $uv2) (local.get $uv3)))
            (local.set $v (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $uv2) (local.get $uv3)))
            (local.set $s23 (f64x2.add (f64x2.mul (local.get $u) (local.get $u)) (f64x2.mul (local.get $v) (local.get $v))))
            (local.set $ok01 (v128.and (f64x2.lt (local.get $s01) (global.get $one)) (f64x2.gt (local.get $s01) (global.get $zero))))
            (local.set $ok23 (v128.and (f64x2.lt (local.get $s23) (global.get $one)) (f64x2.gt (local.get $s23) (global.get $zero))))
            ;; stored in stream order, each kept (p += 16, q += 8) when its lane of ok is all ones
            (v128.store (local.get $p) (local.get $uv0))
            (f64.store (local.get $q) (f64x2.extract_lane 0 (local.get $s01)))
            (local.set $keep (i32x4.extract_lane 0 (local.get $ok01)))
            (local.set $p (i32.add (local.get $p) (i32.and (local.get $keep) (i32.const 16))))
            (local.set $q (i32.add (local.get $q) (i32.and (local.get $keep) (i32.const 8))))
            (v128.store (local.get $p) (local.get $uv1))
            (f64.store (local.get $q) (f64x2.extract_lane 1 (local.get $s01)))
            (local.set $keep (i32x4.extract_lane 2 (local.get $ok01)))
            (local.set $p (i32.add (local.get $p) (i32.and (local.get $keep) (i32.const 16))))
            (local.set $q (i32.add (local.get $q) (i32.and (local.get $keep) (i32.const 8))))
            (v128.store (local.get $p) (local.get $uv2))
            (f64.store (local.get $q) (f64x2.extract_lane 0 (local.get $s23)))
            (local.set $keep (i32x4.extract_lane 0 (local.get $ok23)))
            (local.set $p (i32.add (local.get $p) (i32.and (local.get $keep) (i32.const 16))))
            (local.set $q (i32.add (local.get $q) (i32.and (local.get $keep) (i32.const 8))))
            (v128.store (local.get $p) (local.get $uv3))
            (f64.store (local.get $q) (f64x2.extract_lane 1 (local.get $s23)))
            (local.set $keep (i32x4.extract_lane 2 (local.get $ok23)))
            (local.set $p (i32.add (local.get $p) (i32.and (local.get $keep) (i32.const 16))))
            (local.set $q (i32.add (local.get $q) (i32.and (local.get $keep) (i32.const 8))))
            (local.set $w (i32.add (local.get $w) (i32.const 32))))
          (else
            ;; one candidate: [u, v], s = u·u + v·v in lane 0 (v·v + u·u, the same sum, in lane 1)
            (local.set $uv0 (f64x2.mul (f64x2.convert_low_i32x4_s
              (v128.xor (v128.load64_zero (local.get $w)) (global.get $signBits))) (global.get $twoPowMinus31)))
            (local.set $s01 (f64x2.mul (local.get $uv0) (local.get $uv0)))
            (local.set $s01 (f64x2.add (local.get $s01) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s01) (local.get $s01))))
            (local.set $ok01 (v128.and (f64x2.lt (local.get $s01) (global.get $one)) (f64x2.gt (local.get $s01) (global.get $zero))))
            (v128.store (local.get $p) (local.get $uv0))
            (f64.store (local.get $q) (f64x2.extract_lane 0 (local.get $s01)))
            (local.set $keep (i32x4.extract_lane 0 (local.get $ok01)))
            (local.set $p (i32.add (local.get $p) (i32.and (local.get $keep) (i32.const 16))))
            (local.set $q (i32.add (local.get $q) (i32.and (local.get $keep) (i32.const 8))))
            (local.set $w (i32.add (local.get $w) (i32.const 8)))))
        (br $candidates)))
    (local.get $w))

  (global $mantissaBits v128 (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff))
  (global $oneBits v128 (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000))
  (global $exponentOne v128 (v128.const i64x2 0x0010000000000000 0x0010000000000000))
  (global $absBits v128 (v128.const i64x2 0x7fffffffffffffff 0x7fffffffffffffff))
  (global $twoPow52Bits v128 (v128.const i64x2 0x4330000000000000 0x4330000000000000))
  (global $twoPow52Plus1023 v128 (v128.const f64x2 0x1.00000000003ffp+52 0x1.00000000003ffp+52))
  (global $halveFrom v128 (v128.const f64x2 0x1.6a09cp+0 0x1.6a09cp+0))
  (global $iPositiveFrom v128 (v128.const f64x2 0x1.6147ap+0 0x1.6147ap+0))
  (global $iPositiveTo v128 (v128.const f64x2 0x1.6b852p+0 0x1.6b852p+0))
  (global $rareFrom v128 (v128.const f64x2 -0x1p-20 -0x1p-20))
  (global $rareTo v128 (v128.const f64x2 0x1p-20 0x1p-20))
  (global $ln2Hi v128 (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))
  (global $ln2Lo v128 (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))
  (global $third v128 (v128.const f64x2 0.33333333333333333 0.33333333333333333))
  (global $Lg1 v128 (v128.const f64x2 6.666666666666735130e-01 6.666666666666735130e-01))
  (global $Lg2 v128 (v128.const f64x2 3.999999999940941908e-01 3.999999999940941908e-01))
  (global $Lg3 v128 (v128.const f64x2 2.857142874366239149e-01 2.857142874366239149e-01))
  (global $Lg4 v128 (v128.const f64x2 2.222219843214978396e-01 2.222219843214978396e-01))
  (global $Lg5 v128 (v128.const f64x2 1.818357216161805012e-01 1.818357216161805012e-01))
  (global $Lg6 v128 (v128.const f64x2 1.531383769920937332e-01 1.531383769920937332e-01))
  (global $Lg7 v128 (v128.const f64x2 1.479819860511658591e-01 1.479819860511658591e-01))

  ;; L[i] = detLogOpenUnit(S[i]) for i < n (n ≤ 512; each S[i] a normal double in (0, 1)), as rng.ts logTail after
  ;; detLogOpenUnit: s = m·2^k with m in [√2/2, √2), f = m − 1, and fdlibm's polynomial. Four loops, each without a
  ;; chain from one vector to the next: one loop doing everything has a chain of about 75 cycles per vector (the
  ;; division, seven Horner steps, the rest) and the CPU cannot keep enough vectors in flight to cover it (`logs` of
  ;; 2048 values, alternating: 13.8 ns per two values in one loop, 8.6 in four; fusing loops 1 and 2, or 3 and $scale,
  ;; measured no faster).
  ;; fdlibm branches on hx, the top 20 bits of s's mantissa; each test on hx is an exact comparison of $m (s's mantissa
  ;; with the exponent of 1, in [1, 2), before any halving) with 1 + h·2^−20, or of f after halving:
  ;;   m halved, k + 1                hx ≥ 0x6a09c                ⇔ $m ≥ 0x1.6a09cp0
  ;;   i > 0 (the hfsq form)          0x6147a ≤ hx ≤ 0x6b851      ⇔ 0x1.6147ap0 ≤ $m < 0x1.6b852p0
  ;;   the rare branch (|f| < 2^−20)  hx ∈ {0, 0xffffe, 0xfffff}  ⇔ −2^−20 ≤ f < 2^−20
  ;; fdlibm's k = 0 forms (f − X, where the others have k·ln2_hi − (X′ − f), X′ being X with a k·ln2_lo term) need no
  ;; lanes of their own: k = 0 only when m was halved (s in [0.5, 1)), so f < 0, and the term k·ln2_lo = +0 meets is
  ;; not −0 (q·(hfsq + R) with q ≠ 0 and R > 0, q·(f − R), the rare branch's R > 0), so X′ = X; and +0 − (X − f) = f − X
  ;; exactly (round to nearest is symmetric, and +0 − (+0) = +0 = f − f): the general form gives the k = 0 result.
  (func $log (param $n i32)
    (local $i i32) (local $end i32) (local $s v128) (local $m v128) (local $halve v128) (local $f v128) (local $q v128)
    (local $z v128) (local $w v128) (local $r v128) (local $dk v128) (local $hfsq v128) (local $y v128) (local $near v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    ;; 1. f, q = f / (2 + f), k as f64 (dk), i > 0 (as a lane mask) to F, Q, DK, IPOS; near: any lane with |f| ≤ 2^−20
    (local.set $i (i32.const 0))
    (loop $split
      (local.set $s (v128.load offset=26752 (local.get $i)))
      (local.set $m (v128.or (v128.and (local.get $s) (global.get $mantissaBits)) (global.get $oneBits)))
      (local.set $halve (f64x2.ge (local.get $m) (global.get $halveFrom)))
      ;; m or m/2 (one off the exponent: exact), minus 1 (exact)
      (local.set $f (f64x2.sub (i64x2.sub (local.get $m) (v128.and (local.get $halve) (global.get $exponentOne))) (global.get $one)))
      (v128.store offset=34944 (local.get $i) (local.get $f))
      (v128.store offset=30848 (local.get $i) (f64x2.div (local.get $f) (f64x2.add (global.get $two) (local.get $f))))
      ;; k = the biased exponent − 1023 (+ 1 when halved): 2^52 + e from the bits, minus 2^52 + 1023, all exact
      (v128.store offset=39040 (local.get $i) (f64x2.add
        (f64x2.sub (v128.or (i64x2.shr_u (local.get $s) (i32.const 52)) (global.get $twoPow52Bits)) (global.get $twoPow52Plus1023))
        (v128.and (local.get $halve) (global.get $one))))
      (v128.store offset=43136 (local.get $i) (v128.and (f64x2.ge (local.get $m) (global.get $iPositiveFrom))
                                                        (f64x2.lt (local.get $m) (global.get $iPositiveTo))))
      (local.set $near (v128.or (local.get $near) (f64x2.le (v128.and (local.get $f) (global.get $absBits)) (global.get $rareTo))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $split (i32.lt_u (local.get $i) (local.get $end))))
    ;; 2. R = t2 + t1 (Horner, in fdlibm's order) to R
    (local.set $i (i32.const 0))
    (loop $polynomial
      (local.set $q (v128.load offset=30848 (local.get $i)))
      (local.set $z (f64x2.mul (local.get $q) (local.get $q)))
      (local.set $w (f64x2.mul (local.get $z) (local.get $z)))
      (v128.store offset=47232 (local.get $i) (f64x2.add
        (f64x2.mul (local.get $z) (f64x2.add (global.get $Lg1) (f64x2.mul (local.get $w) (f64x2.add (global.get $Lg3)
          (f64x2.mul (local.get $w) (f64x2.add (global.get $Lg5) (f64x2.mul (local.get $w) (global.get $Lg7)))))))) ;; t2
        (f64x2.mul (local.get $w) (f64x2.add (global.get $Lg2) (f64x2.mul (local.get $w) (f64x2.add (global.get $Lg4)
          (f64x2.mul (local.get $w) (global.get $Lg6)))))))) ;; t1
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $polynomial (i32.lt_u (local.get $i) (local.get $end))))
    ;; 3. i > 0: dk·ln2_hi − ((hfsq − (q·(hfsq + R) + dk·ln2_lo)) − f); else dk·ln2_hi − ((q·(f − R) − dk·ln2_lo) − f)
    (local.set $i (i32.const 0))
    (loop $combine
      (local.set $q (v128.load offset=30848 (local.get $i)))
      (local.set $f (v128.load offset=34944 (local.get $i)))
      (local.set $dk (v128.load offset=39040 (local.get $i)))
      (local.set $r (v128.load offset=47232 (local.get $i)))
      (local.set $hfsq (f64x2.mul (f64x2.mul (global.get $half) (local.get $f)) (local.get $f)))
      (local.set $y (v128.bitselect
        (f64x2.sub (local.get $hfsq) (f64x2.add (f64x2.mul (local.get $q) (f64x2.add (local.get $hfsq) (local.get $r)))
                                                (f64x2.mul (local.get $dk) (global.get $ln2Lo))))
        (f64x2.sub (f64x2.mul (local.get $q) (f64x2.sub (local.get $f) (local.get $r))) (f64x2.mul (local.get $dk) (global.get $ln2Lo)))
        (v128.load offset=43136 (local.get $i))))
      (v128.store offset=51328 (local.get $i)
        (f64x2.sub (f64x2.mul (local.get $dk) (global.get $ln2Hi)) (f64x2.sub (local.get $y) (local.get $f))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $combine (i32.lt_u (local.get $i) (local.get $end))))
    ;; 4. the rare branch (|f| < 2^−20, about 3 values in 10^6): R = f·f·(0.5 − f/3), then f = 0 ? dk·ln2_hi + dk·ln2_lo
    ;;    : dk·ln2_hi − ((R − dk·ln2_lo) − f), in the lanes it applies to, in sub-chunks that have such a lane
    (if (v128.any_true (local.get $near)) (then
      (local.set $i (i32.const 0))
      (loop $rare
        (local.set $f (v128.load offset=34944 (local.get $i)))
        (local.set $dk (v128.load offset=39040 (local.get $i)))
        (local.set $r (f64x2.mul (f64x2.mul (local.get $f) (local.get $f))
                                 (f64x2.sub (global.get $half) (f64x2.mul (global.get $third) (local.get $f)))))
        (v128.store offset=51328 (local.get $i) (v128.bitselect
          (v128.bitselect
            (f64x2.add (f64x2.mul (local.get $dk) (global.get $ln2Hi)) (f64x2.mul (local.get $dk) (global.get $ln2Lo)))
            (f64x2.sub (f64x2.mul (local.get $dk) (global.get $ln2Hi))
                       (f64x2.sub (f64x2.sub (local.get $r) (f64x2.mul (local.get $dk) (global.get $ln2Lo))) (local.get $f)))
            (f64x2.eq (local.get $f) (global.get $zero)))
          (v128.load offset=51328 (local.get $i))
          (v128.and (f64x2.ge (local.get $f) (global.get $rareFrom)) (f64x2.lt (local.get $f) (global.get $rareTo)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $rare (i32.lt_u (local.get $i) (local.get $end)))))))

  ;; The c pairs of UV, S, L → mean + std·(u·m) and mean + std·(v·m), m = √(−2·log s / s), at dst as f32 (rounded as a
  ;; Float32Array store rounds: to nearest, ties to even) or f64, two pairs at a time; returns dst after 2c values.
  (func $scale (param $dst i32) (param $c i32) (param $mean f64) (param $std f64) (param $f32 i32) (result i32)
    (local $i i32) (local $at i32) (local $mean2 v128) (local $std2 v128) (local $uv0 v128) (local $uv1 v128) (local $m v128)
    (local $um v128) (local $vm v128) (local $z0 v128) (local $z1 v128)
    (local.set $mean2 (f64x2.splat (local.get $mean)))
    (local.set $std2 (f64x2.splat (local.get $std)))
    (local.set $at (local.get $dst))
    (loop $two
      (local.set $uv0 (v128.load offset=18560 (i32.shl (local.get $i) (i32.const 1))))
      (local.set $uv1 (v128.load offset=18576 (i32.shl (local.get $i) (i32.const 1))))
      (local.set $m (f64x2.sqrt (f64x2.div (f64x2.mul (global.get $minusTwo) (v128.load offset=51328 (local.get $i)))
                                           (v128.load offset=26752 (local.get $i)))))
      (local.set $um (f64x2.mul (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $uv0) (local.get $uv1)) (local.get $m)))
      (local.set $vm (f64x2.mul (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $uv0) (local.get $uv1)) (local.get $m)))
      (local.set $z0 (f64x2.add (local.get $mean2) (f64x2.mul (local.get $std2)
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $um) (local.get $vm)))))
      (local.set $z1 (f64x2.add (local.get $mean2) (f64x2.mul (local.get $std2)
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $um) (local.get $vm)))))
      (if (local.get $f32)
        (then
          (v128.store (local.get $at) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $z0)) (f32x4.demote_f64x2_zero (local.get $z1))))
          (local.set $at (i32.add (local.get $at) (i32.const 16))))
        (else
          (v128.store (local.get $at) (local.get $z0))
          (v128.store offset=16 (local.get $at) (local.get $z1))
          (local.set $at (i32.add (local.get $at) (i32.const 32)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $two (i32.lt_u (local.get $i) (i32.shl (local.get $c) (i32.const 3)))))
    (i32.add (local.get $dst) (i32.shl (local.get $c) (select (i32.const 3) (i32.const 4) (local.get $f32)))))

  ;; For tests: n values in (0, 1) at `at` replaced by their logs, through $log (S in, L out) 512 at a time.
  (func (export "logs") (param $at i32) (param $n i32)
    (local $len i32)
    (block $done
      (loop $chunk
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $len (select (local.get $n) (i32.const 512) (i32.lt_u (local.get $n) (i32.const 512))))
        (memory.copy (i32.const 26752) (local.get $at) (i32.shl (local.get $len) (i32.const 3)))
        (call $log (local.get $len))
        (memory.copy (local.get $at) (i32.const 51328) (i32.shl (local.get $len) (i32.const 3)))
        (local.set $at (i32.add (local.get $at) (i32.shl (local.get $len) (i32.const 3))))
        (local.set $n (i32.sub (local.get $n) (local.get $len)))
        (br $chunk))))

  ;; k ≥ 1 normal pairs, 2k values mean + std·z at dst (f32 when `f32` is 1, else f64; rng.ts leaves room for two
  ;; more), the generator state at byte 0 read and written back; returns the last pair's second value v·m itself
  ;; (not scaled: rng.ts keeps it as the spare when the caller wanted an odd count).
  (func (export "fill") (param $dst i32) (param $k i32) (param $mean f64) (param $std f64) (param $f32 i32) (result f64)
    (local $w i32) (local $c i32) (local $last i32)
    (v128.store (i32.const 2064) (v128.load (i32.const 0)))
    (call $block)
    (local.set $w (i32.const 2176))
    (loop $chunk
      (local.set $c (select (local.get $k) (i32.const 512) (i32.lt_u (local.get $k) (i32.const 512))))
      (local.set $w (call $draw (local.get $w) (local.get $c)))
      (call $log (local.get $c))
      (local.set $dst (call $scale (local.get $dst) (local.get $c) (local.get $mean) (local.get $std) (local.get $f32)))
      (local.set $k (i32.sub (local.get $k) (local.get $c)))
      (br_if $chunk (local.get $k)))
    (call $stateAfter (i32.shr_u (i32.sub (local.get $w) (i32.const 2176)) (i32.const 2)))
    ;; v·m of the last pair, with $scale's operations in scalar f64
    (local.set $last (i32.shl (i32.sub (local.get $c) (i32.const 1)) (i32.const 3)))
    (f64.mul (f64.load offset=18568 (i32.shl (local.get $last) (i32.const 1)))
      (f64.sqrt (f64.div (f64.mul (f64.const -2) (f64.load offset=51328 (local.get $last)))
                         (f64.load offset=26752 (local.get $last))))))
)
