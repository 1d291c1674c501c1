;; The libjpeg-compatible baseline JPEG encoder's scan (jpeg-encoder.ts, encodeJpegBaseline) for whole MCU rows:
;; fixed-point RGB->YCbCr (jccolor.c) with edge replication, the h2v2 chroma box filter with the 1,2 bias
;; (jcsample.c), level shift, the islow forward DCT (jfdctint.c) and rounding quantisation in i32x4 lanes, then
;; Huffman coding with 0xFF byte stuffing. Integer arithmetic throughout (and a float32 reciprocal product that
;; is exact for every reachable dividend), so the bytes equal the TypeScript twin's. Generated in part: the
;; DCT passes and transposes repeat one pattern each.
;;
;; Memory (byte offsets): 0 Huffman tables dcL, acL, dcC, acC (256 x i32 each: size << 16 | code); 4096 the
;; zigzag order (64 x i32: BLK + 4 * natural index); 4352 luma quantiser (64 x i32 rounding halves, then 64 x
;; f32 reciprocals), 4864 chroma quantiser; 5376 BLK, the quantised block (64 x i32, natural order); 5632
;; TMP, the DCT's pass-1 output (64 x i32); 6016 BITZZ, the zigzag position of each bit of the non-zero mask
;; (64 x u8); 6120 that mask (i64, written by fdct); from 6144 the caller's strips (begin()), then its input pixels and output.
(module
  (memory (export "memory") 1)

  ;; image geometry and buffers (begin)
  (global $width (mut i32) (i32.const 0)) (global $height (mut i32) (i32.const 0))
  (global $ncomp (mut i32) (i32.const 0)) (global $hs (mut i32) (i32.const 0))
  (global $pw (mut i32) (i32.const 0)) (global $cw (mut i32) (i32.const 0))
  (global $mcusX (mut i32) (i32.const 0)) (global $yBlocksW (mut i32) (i32.const 0)) (global $yBlocksH (mut i32) (i32.const 0))
  (global $in (mut i32) (i32.const 0)) (global $ys (mut i32) (i32.const 0)) (global $cbs (mut i32) (i32.const 0))
  (global $crs (mut i32) (i32.const 0)) (global $cbd (mut i32) (i32.const 0)) (global $crd (mut i32) (i32.const 0))
  ;; coder state: bit accumulator (the low $nb bits are pending, $nb < 32 between calls), output pointer, DC predictors
  (global $acc (mut i64) (i64.const 0)) (global $nb (mut i32) (i32.const 0)) (global $out (mut i32) (i32.const 0))
  (global $dcY (mut i32) (i32.const 0)) (global $dcCb (mut i32) (i32.const 0)) (global $dcCr (mut i32) (i32.const 0))

  (func (export "begin") (param $width i32) (param $height i32) (param $ncomp i32) (param $hs i32)
    (param $in i32) (param $strips i32)
    (local $mcu i32) (local $stripBytes i32)
    (global.set $width (local.get $width)) (global.set $height (local.get $height))
    (global.set $ncomp (local.get $ncomp)) (global.set $hs (local.get $hs))
    (local.set $mcu (i32.shl (local.get $hs) (i32.const 3)))
    (global.set $mcusX (i32.div_u (i32.sub (i32.add (local.get $width) (local.get $mcu)) (i32.const 1)) (local.get $mcu)))
    (global.set $pw (i32.mul (global.get $mcusX) (local.get $mcu)))
    (global.set $cw (i32.div_u (global.get $pw) (local.get $hs)))
    (global.set $yBlocksW (i32.shr_u (i32.add (local.get $width) (i32.const 7)) (i32.const 3)))
    (global.set $yBlocksH (i32.shr_u (i32.add (local.get $height) (i32.const 7)) (i32.const 3)))
    (global.set $in (local.get $in))
    ;; strips of one MCU row: Y, Cb, Cr at full resolution (mcu rows of pw i32), then downsampled Cb, Cr (8 rows of cw)
    (local.set $stripBytes (i32.shl (i32.mul (local.get $mcu) (global.get $pw)) (i32.const 2)))
    (global.set $ys (local.get $strips))
    (global.set $cbs (i32.add (global.get $ys) (local.get $stripBytes)))
    (global.set $crs (i32.add (global.get $cbs) (local.get $stripBytes)))
    (global.set $cbd (i32.add (global.get $crs) (local.get $stripBytes)))
    (global.set $crd (i32.add (global.get $cbd) (i32.shl (global.get $cw) (i32.const 5))))
    (global.set $acc (i64.const 0)) (global.set $nb (i32.const 0))
    (global.set $dcY (i32.const 0)) (global.set $dcCb (i32.const 0)) (global.set $dcCr (i32.const 0)))

  ;; One entropy-coded byte, stuffed with 0x00 after 0xFF.
  (func $byte (param $b i32)
    (i32.store8 (global.get $out) (local.get $b))
    (global.set $out (i32.add (global.get $out) (i32.const 1)))
    (if (i32.eq (local.get $b) (i32.const 0xff)) (then
      (i32.store8 (global.get $out) (i32.const 0))
      (global.set $out (i32.add (global.get $out) (i32.const 1))))))

  ;; Four bytes, most significant first: one store unless a byte is 0xFF (the zero-byte test on ~w).
  (func $word (param $w i32)
    (if (i32.eqz (i32.and (i32.and (i32.sub (i32.xor (local.get $w) (i32.const -1)) (i32.const 0x01010101)) (local.get $w))
                          (i32.const 0x80808080)))
      (then
        (i32.store (global.get $out) (i32.or
          (i32.and (i32.rotl (local.get $w) (i32.const 8)) (i32.const 0x00ff00ff))
          (i32.and (i32.rotr (local.get $w) (i32.const 8)) (i32.const 0xff00ff00))))
        (global.set $out (i32.add (global.get $out) (i32.const 4))))
      (else
        (call $byte (i32.shr_u (local.get $w) (i32.const 24)))
        (call $byte (i32.and (i32.shr_u (local.get $w) (i32.const 16)) (i32.const 255)))
        (call $byte (i32.and (i32.shr_u (local.get $w) (i32.const 8)) (i32.const 255)))
        (call $byte (i32.and (local.get $w) (i32.const 255))))))

  ;; Append the $n (<= 27) low bits of $bits (no higher bits set); whole 32-bit words leave at once.
  (func $put (param $bits i32) (param $n i32)
    (global.set $acc (i64.or (i64.shl (global.get $acc) (i64.extend_i32_u (local.get $n))) (i64.extend_i32_u (local.get $bits))))
    (global.set $nb (i32.add (global.get $nb) (local.get $n)))
    (if (i32.ge_u (global.get $nb) (i32.const 32)) (then
      (global.set $nb (i32.sub (global.get $nb) (i32.const 32)))
      (call $word (i32.wrap_i64 (i64.shr_u (global.get $acc) (i64.extend_i32_u (global.get $nb))))))))

  ;; The DC difference: its category's code, then the category's bits (v - 1 for negative v).
  (func $dc (param $diff i32) (param $tab i32)
    (local $n i32) (local $e i32)
    (local.set $n (i32.sub (i32.const 32) (i32.clz (select (i32.sub (i32.const 0) (local.get $diff)) (local.get $diff)
      (i32.lt_s (local.get $diff) (i32.const 0))))))
    (local.set $e (i32.load (i32.add (local.get $tab) (i32.shl (local.get $n) (i32.const 2)))))
    (call $put
      (i32.or (i32.shl (i32.and (local.get $e) (i32.const 0xffff)) (local.get $n))
        (i32.and (i32.add (local.get $diff) (i32.shr_s (local.get $diff) (i32.const 31))) (i32.sub (i32.shl (i32.const 1) (local.get $n)) (i32.const 1))))
      (i32.add (i32.shr_u (local.get $e) (i32.const 16)) (local.get $n))))

  ;; Huffman-code BLK: DC difference, then the AC coefficients in zigzag order as (run, category) symbols with
  ;; ZRL for runs over 15 and EOB after the last non-zero one (none when coefficient 63 is non-zero). Only the
  ;; non-zero coefficients are visited: fdct's mask of them (bit 32 * half + 4 * row + column) is turned into
  ;; a zigzag-order mask through BITZZ, whose set bits then give the runs.
  (func $code (param $diff i32) (param $dctab i32) (param $actab i32)
    (local $m i64) (local $z i64) (local $k i32) (local $prev i32) (local $run i32) (local $v i32) (local $n i32) (local $e i32)
    (call $dc (local.get $diff) (local.get $dctab))
    (local.set $m (i64.and (i64.load (i32.const 6120)) (i64.const -2)))
    (block $done (loop $scatter
      (br_if $done (i64.eqz (local.get $m)))
      (local.set $z (i64.or (local.get $z) (i64.shl (i64.const 1)
        (i64.load8_u offset=6016 (i32.wrap_i64 (i64.ctz (local.get $m)))))))
      (local.set $m (i64.and (local.get $m) (i64.sub (local.get $m) (i64.const 1))))
      (br $scatter)))
    (block $end (loop $ac
      (br_if $end (i64.eqz (local.get $z)))
      (local.set $k (i32.wrap_i64 (i64.ctz (local.get $z))))
      (local.set $z (i64.and (local.get $z) (i64.sub (local.get $z) (i64.const 1))))
      (local.set $run (i32.sub (i32.sub (local.get $k) (local.get $prev)) (i32.const 1)))
      (local.set $prev (local.get $k))
      (block $short (loop $zrl
        (br_if $short (i32.lt_u (local.get $run) (i32.const 16)))
        (call $put (i32.and (i32.load offset=960 (local.get $actab)) (i32.const 0xffff)) (i32.shr_u (i32.load offset=960 (local.get $actab)) (i32.const 16)))
        (local.set $run (i32.sub (local.get $run) (i32.const 16)))
        (br $zrl)))
      (local.set $v (i32.load (i32.load offset=4096 (i32.shl (local.get $k) (i32.const 2)))))
      (local.set $n (i32.sub (i32.const 32) (i32.clz (select (i32.sub (i32.const 0) (local.get $v)) (local.get $v)
        (i32.lt_s (local.get $v) (i32.const 0))))))
      (local.set $e (i32.load (i32.add (local.get $actab) (i32.shl (i32.or (i32.shl (local.get $run) (i32.const 4)) (local.get $n)) (i32.const 2)))))
      ;; $put inline: this is the hot path
      (global.set $acc (i64.or (i64.shl (global.get $acc) (i64.extend_i32_u (i32.add (i32.shr_u (local.get $e) (i32.const 16)) (local.get $n))))
        (i64.extend_i32_u (i32.or (i32.shl (i32.and (local.get $e) (i32.const 0xffff)) (local.get $n))
          (i32.and (i32.add (local.get $v) (i32.shr_s (local.get $v) (i32.const 31))) (i32.sub (i32.shl (i32.const 1) (local.get $n)) (i32.const 1)))))))
      (global.set $nb (i32.add (global.get $nb) (i32.add (i32.shr_u (local.get $e) (i32.const 16)) (local.get $n))))
      (if (i32.ge_u (global.get $nb) (i32.const 32)) (then
        (global.set $nb (i32.sub (global.get $nb) (i32.const 32)))
        (call $word (i32.wrap_i64 (i64.shr_u (global.get $acc) (i64.extend_i32_u (global.get $nb)))))))
      (br $ac)))
    (if (i32.lt_u (local.get $prev) (i32.const 63)) (then
      (call $put (i32.and (i32.load (local.get $actab)) (i32.const 0xffff)) (i32.shr_u (i32.load (local.get $actab)) (i32.const 16))))))

  ;; A dummy block (outside the image, in a partial MCU): only its DC difference and EOB.
  (func $dummy (param $diff i32) (param $dctab i32) (param $actab i32)
    (call $dc (local.get $diff) (local.get $dctab))
    (call $put (i32.and (i32.load (local.get $actab)) (i32.const 0xffff)) (i32.shr_u (i32.load (local.get $actab)) (i32.const 16))))

  ;; Level shift, islow forward DCT and quantisation of the 8x8 block at $p (rows $stride bytes apart, i32
  ;; samples) into BLK (natural order, i32); returns the quantised DC. Pass 1 (rows) works on four rows at a
  ;; time with one row per lane, so the loaded rows are transposed first; its output is transposed back and
  ;; kept in TMP, natural order. Pass 2 (columns) then has one column per lane without shuffles. Each pass
  ;; touches eight input and eight output vectors plus temporaries: within V8's register budget.
  (func $fdct (param $p i32) (param $stride i32) (param $q i32) (result i32)
    (local $h i32) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128) (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128) (local $o4 v128) (local $o5 v128) (local $o6 v128) (local $o7 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $t4 v128) (local $t5 v128) (local $t6 v128) (local $t7 v128) (local $t10 v128) (local $t11 v128) (local $t12 v128) (local $t13 v128) (local $z1 v128) (local $z2 v128) (local $z3 v128) (local $z4 v128) (local $z5 v128) (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local.set $h (i32.const 0))
    (loop $rows
      (local.set $c0 (i32x4.sub (v128.load offset=0 (local.get $p)) (v128.const i32x4 128 128 128 128)))
      (local.set $c4 (i32x4.sub (v128.load offset=16 (local.get $p)) (v128.const i32x4 128 128 128 128)))
      (local.set $p (i32.add (local.get $p) (local.get $stride)))
      (local.set $c1 (i32x4.sub (v128.load offset=0 (local.get $p)) (v128.const i32x4 128 128 128 128)))
      (local.set $c5 (i32x4.sub (v128.load offset=16 (local.get $p)) (v128.const i32x4 128 128 128 128)))
      (local.set $p (i32.add (local.get $p) (local.get $stride)))
      (local.set $c2 (i32x4.sub (v128.load offset=0 (local.get $p)) (v128.const i32x4 128 128 128 128)))
      (local.set $c6 (i32x4.sub (v128.load offset=16 (local.get $p)) (v128.const i32x4 128 128 128 128)))
      (local.set $p (i32.add (local.get $p) (local.get $stride)))
      (local.set $c3 (i32x4.sub (v128.load offset=0 (local.get $p)) (v128.const i32x4 128 128 128 128)))
      (local.set $c7 (i32x4.sub (v128.load offset=16 (local.get $p)) (v128.const i32x4 128 128 128 128)))
      (local.set $p (i32.add (local.get $p) (local.get $stride)))
      ;; rows in c0..c3 (columns 0-3) and c4..c7 (columns 4-7) -> columns of four rows in c0..c7
      (local.set $p0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c0) (local.get $c1)))
      (local.set $p1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c0) (local.get $c1)))
      (local.set $p2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c2) (local.get $c3)))
      (local.set $p3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c2) (local.get $c3)))
      (local.set $o0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $p0) (local.get $p2)))
      (local.set $o1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $p0) (local.get $p2)))
      (local.set $o2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $p1) (local.get $p3)))
      (local.set $o3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $p1) (local.get $p3)))
      (local.set $p0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c4) (local.get $c5)))
      (local.set $p1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c4) (local.get $c5)))
      (local.set $p2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c6) (local.get $c7)))
      (local.set $p3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c6) (local.get $c7)))
      (local.set $o4 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $p0) (local.get $p2)))
      (local.set $o5 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $p0) (local.get $p2)))
      (local.set $o6 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $p1) (local.get $p3)))
      (local.set $o7 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $p1) (local.get $p3)))
      (local.set $c0 (local.get $o0)) (local.set $c1 (local.get $o1)) (local.set $c2 (local.get $o2)) (local.set $c3 (local.get $o3))
      (local.set $c4 (local.get $o4)) (local.set $c5 (local.get $o5)) (local.set $c6 (local.get $o6)) (local.set $c7 (local.get $o7))
      (local.set $t0 (i32x4.add (local.get $c0) (local.get $c7)))
      (local.set $t7 (i32x4.sub (local.get $c0) (local.get $c7)))
      (local.set $t1 (i32x4.add (local.get $c1) (local.get $c6)))
      (local.set $t6 (i32x4.sub (local.get $c1) (local.get $c6)))
      (local.set $t2 (i32x4.add (local.get $c2) (local.get $c5)))
      (local.set $t5 (i32x4.sub (local.get $c2) (local.get $c5)))
      (local.set $t3 (i32x4.add (local.get $c3) (local.get $c4)))
      (local.set $t4 (i32x4.sub (local.get $c3) (local.get $c4)))
      (local.set $t10 (i32x4.add (local.get $t0) (local.get $t3)))
      (local.set $t13 (i32x4.sub (local.get $t0) (local.get $t3)))
      (local.set $t11 (i32x4.add (local.get $t1) (local.get $t2)))
      (local.set $t12 (i32x4.sub (local.get $t1) (local.get $t2)))
      (local.set $o0 (i32x4.shl (i32x4.add (local.get $t10) (local.get $t11)) (i32.const 2)))
      (local.set $o4 (i32x4.shl (i32x4.sub (local.get $t10) (local.get $t11)) (i32.const 2)))
      (local.set $z1 (i32x4.mul (i32x4.add (local.get $t12) (local.get $t13)) (v128.const i32x4 4433 4433 4433 4433)))
      (local.set $o2 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $z1) (i32x4.mul (local.get $t13) (v128.const i32x4 6270 6270 6270 6270))) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
      (local.set $o6 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $z1) (i32x4.mul (local.get $t12) (v128.const i32x4 15137 15137 15137 15137))) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
      (local.set $z1 (i32x4.add (local.get $t4) (local.get $t7)))
      (local.set $z2 (i32x4.add (local.get $t5) (local.get $t6)))
      (local.set $z3 (i32x4.add (local.get $t4) (local.get $t6)))
      (local.set $z4 (i32x4.add (local.get $t5) (local.get $t7)))
      (local.set $z5 (i32x4.mul (i32x4.add (local.get $z3) (local.get $z4)) (v128.const i32x4 9633 9633 9633 9633)))
      (local.set $t4 (i32x4.mul (local.get $t4) (v128.const i32x4 2446 2446 2446 2446)))
      (local.set $t5 (i32x4.mul (local.get $t5) (v128.const i32x4 16819 16819 16819 16819)))
      (local.set $t6 (i32x4.mul (local.get $t6) (v128.const i32x4 25172 25172 25172 25172)))
      (local.set $t7 (i32x4.mul (local.get $t7) (v128.const i32x4 12299 12299 12299 12299)))
      (local.set $z1 (i32x4.mul (local.get $z1) (v128.const i32x4 -7373 -7373 -7373 -7373)))
      (local.set $z2 (i32x4.mul (local.get $z2) (v128.const i32x4 -20995 -20995 -20995 -20995)))
      (local.set $z3 (i32x4.add (i32x4.mul (local.get $z3) (v128.const i32x4 -16069 -16069 -16069 -16069)) (local.get $z5)))
      (local.set $z4 (i32x4.add (i32x4.mul (local.get $z4) (v128.const i32x4 -3196 -3196 -3196 -3196)) (local.get $z5)))
      (local.set $o7 (i32x4.shr_s (i32x4.add (i32x4.add (i32x4.add (local.get $t4) (local.get $z1)) (local.get $z3)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
      (local.set $o5 (i32x4.shr_s (i32x4.add (i32x4.add (i32x4.add (local.get $t5) (local.get $z2)) (local.get $z4)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
      (local.set $o3 (i32x4.shr_s (i32x4.add (i32x4.add (i32x4.add (local.get $t6) (local.get $z2)) (local.get $z3)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
      (local.set $o1 (i32x4.shr_s (i32x4.add (i32x4.add (i32x4.add (local.get $t7) (local.get $z1)) (local.get $z4)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
      ;; o_u holds coefficient u of four rows: transpose back to rows, store to TMP (natural order)
      (local.set $p0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $o0) (local.get $o1)))
      (local.set $p1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $o0) (local.get $o1)))
      (local.set $p2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $o2) (local.get $o3)))
      (local.set $p3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $o2) (local.get $o3)))
      (local.set $c0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $p0) (local.get $p2)))
      (local.set $c1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $p0) (local.get $p2)))
      (local.set $c2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $p1) (local.get $p3)))
      (local.set $c3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $p1) (local.get $p3)))
      (local.set $p0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $o4) (local.get $o5)))
      (local.set $p1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $o4) (local.get $o5)))
      (local.set $p2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $o6) (local.get $o7)))
      (local.set $p3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $o6) (local.get $o7)))
      (local.set $c4 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $p0) (local.get $p2)))
      (local.set $c5 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $p0) (local.get $p2)))
      (local.set $c6 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $p1) (local.get $p3)))
      (local.set $c7 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $p1) (local.get $p3)))
      (v128.store offset=5632 (local.get $h) (local.get $c0)) (v128.store offset=5648 (local.get $h) (local.get $c4))
      (v128.store offset=5664 (local.get $h) (local.get $c1)) (v128.store offset=5680 (local.get $h) (local.get $c5))
      (v128.store offset=5696 (local.get $h) (local.get $c2)) (v128.store offset=5712 (local.get $h) (local.get $c6))
      (v128.store offset=5728 (local.get $h) (local.get $c3)) (v128.store offset=5744 (local.get $h) (local.get $c7))
      (local.set $h (i32.add (local.get $h) (i32.const 128)))
      (br_if $rows (i32.lt_u (local.get $h) (i32.const 256))))
    ;; pass 2: columns 0-3, then 4-7; quantise: ±trunc((|t| + half) * recip), the reciprocals chosen so that
    ;; this equals libjpeg's integer division for every value the DCT can produce (see quantizer())
    (local.set $h (i32.const 0))
    (loop $cols
      (local.set $c0 (v128.load offset=5632 (local.get $h)))
      (local.set $c1 (v128.load offset=5664 (local.get $h)))
      (local.set $c2 (v128.load offset=5696 (local.get $h)))
      (local.set $c3 (v128.load offset=5728 (local.get $h)))
      (local.set $c4 (v128.load offset=5760 (local.get $h)))
      (local.set $c5 (v128.load offset=5792 (local.get $h)))
      (local.set $c6 (v128.load offset=5824 (local.get $h)))
      (local.set $c7 (v128.load offset=5856 (local.get $h)))
      (local.set $t0 (i32x4.add (local.get $c0) (local.get $c7)))
      (local.set $t7 (i32x4.sub (local.get $c0) (local.get $c7)))
      (local.set $t1 (i32x4.add (local.get $c1) (local.get $c6)))
      (local.set $t6 (i32x4.sub (local.get $c1) (local.get $c6)))
      (local.set $t2 (i32x4.add (local.get $c2) (local.get $c5)))
      (local.set $t5 (i32x4.sub (local.get $c2) (local.get $c5)))
      (local.set $t3 (i32x4.add (local.get $c3) (local.get $c4)))
      (local.set $t4 (i32x4.sub (local.get $c3) (local.get $c4)))
      (local.set $t10 (i32x4.add (local.get $t0) (local.get $t3)))
      (local.set $t13 (i32x4.sub (local.get $t0) (local.get $t3)))
      (local.set $t11 (i32x4.add (local.get $t1) (local.get $t2)))
      (local.set $t12 (i32x4.sub (local.get $t1) (local.get $t2)))
      (local.set $o0 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t10) (local.get $t11)) (v128.const i32x4 2 2 2 2)) (i32.const 2)))
      (local.set $o4 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t10) (local.get $t11)) (v128.const i32x4 2 2 2 2)) (i32.const 2)))
      (local.set $z1 (i32x4.mul (i32x4.add (local.get $t12) (local.get $t13)) (v128.const i32x4 4433 4433 4433 4433)))
      (local.set $o2 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $z1) (i32x4.mul (local.get $t13) (v128.const i32x4 6270 6270 6270 6270))) (v128.const i32x4 16384 16384 16384 16384)) (i32.const 15)))
      (local.set $o6 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $z1) (i32x4.mul (local.get $t12) (v128.const i32x4 15137 15137 15137 15137))) (v128.const i32x4 16384 16384 16384 16384)) (i32.const 15)))
      (local.set $z1 (i32x4.add (local.get $t4) (local.get $t7)))
      (local.set $z2 (i32x4.add (local.get $t5) (local.get $t6)))
      (local.set $z3 (i32x4.add (local.get $t4) (local.get $t6)))
      (local.set $z4 (i32x4.add (local.get $t5) (local.get $t7)))
      (local.set $z5 (i32x4.mul (i32x4.add (local.get $z3) (local.get $z4)) (v128.const i32x4 9633 9633 9633 9633)))
      (local.set $t4 (i32x4.mul (local.get $t4) (v128.const i32x4 2446 2446 2446 2446)))
      (local.set $t5 (i32x4.mul (local.get $t5) (v128.const i32x4 16819 16819 16819 16819)))
      (local.set $t6 (i32x4.mul (local.get $t6) (v128.const i32x4 25172 25172 25172 25172)))
      (local.set $t7 (i32x4.mul (local.get $t7) (v128.const i32x4 12299 12299 12299 12299)))
      (local.set $z1 (i32x4.mul (local.get $z1) (v128.const i32x4 -7373 -7373 -7373 -7373)))
      (local.set $z2 (i32x4.mul (local.get $z2) (v128.const i32x4 -20995 -20995 -20995 -20995)))
      (local.set $z3 (i32x4.add (i32x4.mul (local.get $z3) (v128.const i32x4 -16069 -16069 -16069 -16069)) (local.get $z5)))
      (local.set $z4 (i32x4.add (i32x4.mul (local.get $z4) (v128.const i32x4 -3196 -3196 -3196 -3196)) (local.get $z5)))
      (local.set $o7 (i32x4.shr_s (i32x4.add (i32x4.add (i32x4.add (local.get $t4) (local.get $z1)) (local.get $z3)) (v128.const i32x4 16384 16384 16384 16384)) (i32.const 15)))
      (local.set $o5 (i32x4.shr_s (i32x4.add (i32x4.add (i32x4.add (local.get $t5) (local.get $z2)) (local.get $z4)) (v128.const i32x4 16384 16384 16384 16384)) (i32.const 15)))
      (local.set $o3 (i32x4.shr_s (i32x4.add (i32x4.add (i32x4.add (local.get $t6) (local.get $z2)) (local.get $z3)) (v128.const i32x4 16384 16384 16384 16384)) (i32.const 15)))
      (local.set $o1 (i32x4.shr_s (i32x4.add (i32x4.add (i32x4.add (local.get $t7) (local.get $z1)) (local.get $z4)) (v128.const i32x4 16384 16384 16384 16384)) (i32.const 15)))
      (local.set $q (i32.add (local.get $q) (local.get $h)))
      (local.set $t0 (i32x4.shr_s (local.get $o0) (i32.const 31)))
      (local.set $t1 (i32x4.trunc_sat_f32x4_s (f32x4.mul (f32x4.convert_i32x4_s (i32x4.add (i32x4.abs (local.get $o0)) (v128.load offset=0 (local.get $q)))) (v128.load offset=256 (local.get $q)))))
      (v128.store offset=5376 (local.get $h) (i32x4.sub (v128.xor (local.get $t1) (local.get $t0)) (local.get $t0)))
      (local.set $t0 (i32x4.shr_s (local.get $o1) (i32.const 31)))
      (local.set $t1 (i32x4.trunc_sat_f32x4_s (f32x4.mul (f32x4.convert_i32x4_s (i32x4.add (i32x4.abs (local.get $o1)) (v128.load offset=32 (local.get $q)))) (v128.load offset=288 (local.get $q)))))
      (v128.store offset=5408 (local.get $h) (i32x4.sub (v128.xor (local.get $t1) (local.get $t0)) (local.get $t0)))
      (local.set $t0 (i32x4.shr_s (local.get $o2) (i32.const 31)))
      (local.set $t1 (i32x4.trunc_sat_f32x4_s (f32x4.mul (f32x4.convert_i32x4_s (i32x4.add (i32x4.abs (local.get $o2)) (v128.load offset=64 (local.get $q)))) (v128.load offset=320 (local.get $q)))))
      (v128.store offset=5440 (local.get $h) (i32x4.sub (v128.xor (local.get $t1) (local.get $t0)) (local.get $t0)))
      (local.set $t0 (i32x4.shr_s (local.get $o3) (i32.const 31)))
      (local.set $t1 (i32x4.trunc_sat_f32x4_s (f32x4.mul (f32x4.convert_i32x4_s (i32x4.add (i32x4.abs (local.get $o3)) (v128.load offset=96 (local.get $q)))) (v128.load offset=352 (local.get $q)))))
      (v128.store offset=5472 (local.get $h) (i32x4.sub (v128.xor (local.get $t1) (local.get $t0)) (local.get $t0)))
      (local.set $t0 (i32x4.shr_s (local.get $o4) (i32.const 31)))
      (local.set $t1 (i32x4.trunc_sat_f32x4_s (f32x4.mul (f32x4.convert_i32x4_s (i32x4.add (i32x4.abs (local.get $o4)) (v128.load offset=128 (local.get $q)))) (v128.load offset=384 (local.get $q)))))
      (v128.store offset=5504 (local.get $h) (i32x4.sub (v128.xor (local.get $t1) (local.get $t0)) (local.get $t0)))
      (local.set $t0 (i32x4.shr_s (local.get $o5) (i32.const 31)))
      (local.set $t1 (i32x4.trunc_sat_f32x4_s (f32x4.mul (f32x4.convert_i32x4_s (i32x4.add (i32x4.abs (local.get $o5)) (v128.load offset=160 (local.get $q)))) (v128.load offset=416 (local.get $q)))))
      (v128.store offset=5536 (local.get $h) (i32x4.sub (v128.xor (local.get $t1) (local.get $t0)) (local.get $t0)))
      (local.set $t0 (i32x4.shr_s (local.get $o6) (i32.const 31)))
      (local.set $t1 (i32x4.trunc_sat_f32x4_s (f32x4.mul (f32x4.convert_i32x4_s (i32x4.add (i32x4.abs (local.get $o6)) (v128.load offset=192 (local.get $q)))) (v128.load offset=448 (local.get $q)))))
      (v128.store offset=5568 (local.get $h) (i32x4.sub (v128.xor (local.get $t1) (local.get $t0)) (local.get $t0)))
      (local.set $t0 (i32x4.shr_s (local.get $o7) (i32.const 31)))
      (local.set $t1 (i32x4.trunc_sat_f32x4_s (f32x4.mul (f32x4.convert_i32x4_s (i32x4.add (i32x4.abs (local.get $o7)) (v128.load offset=224 (local.get $q)))) (v128.load offset=480 (local.get $q)))))
      (v128.store offset=5600 (local.get $h) (i32x4.sub (v128.xor (local.get $t1) (local.get $t0)) (local.get $t0)))
      ;; which of these 32 are non-zero (saturating narrowing keeps zero and non-zero apart): bit 4 * row + column
      (i32.store offset=6120 (i32.shr_u (local.get $h) (i32.const 2)) (i8x16.bitmask (i8x16.ne (i8x16.narrow_i16x8_s
        (i16x8.narrow_i32x4_s (v128.load offset=5376 (local.get $h)) (v128.load offset=5408 (local.get $h)))
        (i16x8.narrow_i32x4_s (v128.load offset=5440 (local.get $h)) (v128.load offset=5472 (local.get $h))))
        (v128.const i32x4 0 0 0 0))))
      (i32.store16 offset=6122 (i32.shr_u (local.get $h) (i32.const 2)) (i8x16.bitmask (i8x16.ne (i8x16.narrow_i16x8_s
        (i16x8.narrow_i32x4_s (v128.load offset=5504 (local.get $h)) (v128.load offset=5536 (local.get $h)))
        (i16x8.narrow_i32x4_s (v128.load offset=5568 (local.get $h)) (v128.load offset=5600 (local.get $h))))
        (v128.const i32x4 0 0 0 0))))
      (local.set $q (i32.sub (local.get $q) (local.get $h)))
      (local.set $h (i32.add (local.get $h) (i32.const 16)))
      (br_if $cols (i32.lt_u (local.get $h) (i32.const 32))))
    (i32.load (i32.const 5376)))

  ;; One image row (bytes at $src) to the strip rows $y, $cb, $cr (i32 samples), replicating its last pixel up
  ;; to the padded width. Four pixels per step; the last step may read up to 15 bytes past the row (the caller
  ;; leaves room) and write lanes past the width, which the replication then overwrites.
  (func $convert (param $src i32) (param $y i32) (param $cb i32) (param $cr i32)
    (local $x i32) (local $v v128) (local $r v128) (local $g v128) (local $b v128) (local $e i32)
    (if (i32.eq (global.get $ncomp) (i32.const 1))
      (then
        (loop $grey
          (v128.store (i32.add (local.get $y) (i32.shl (local.get $x) (i32.const 2)))
            (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $src) (local.get $x))))))
          (local.set $x (i32.add (local.get $x) (i32.const 4)))
          (br_if $grey (i32.lt_u (local.get $x) (global.get $width)))))
      (else
        (loop $rgb
          (local.set $v (v128.load (i32.add (local.get $src) (i32.mul (local.get $x) (i32.const 3)))))
          (local.set $r (i8x16.shuffle 0 16 16 16 3 16 16 16 6 16 16 16 9 16 16 16 (local.get $v) (v128.const i32x4 0 0 0 0)))
          (local.set $g (i8x16.shuffle 1 16 16 16 4 16 16 16 7 16 16 16 10 16 16 16 (local.get $v) (v128.const i32x4 0 0 0 0)))
          (local.set $b (i8x16.shuffle 2 16 16 16 5 16 16 16 8 16 16 16 11 16 16 16 (local.get $v) (v128.const i32x4 0 0 0 0)))
          (local.set $e (i32.shl (local.get $x) (i32.const 2)))
          ;; jccolor.c: every sum is a non-negative integer below 2^31
          (v128.store (i32.add (local.get $y) (local.get $e)) (i32x4.shr_s (i32x4.add (i32x4.add
            (i32x4.mul (local.get $r) (v128.const i32x4 19595 19595 19595 19595)) (i32x4.mul (local.get $g) (v128.const i32x4 38470 38470 38470 38470)))
            (i32x4.add (i32x4.mul (local.get $b) (v128.const i32x4 7471 7471 7471 7471)) (v128.const i32x4 32768 32768 32768 32768))) (i32.const 16)))
          (v128.store (i32.add (local.get $cb) (local.get $e)) (i32x4.shr_s (i32x4.add (i32x4.sub
            (i32x4.mul (local.get $b) (v128.const i32x4 32768 32768 32768 32768)) (i32x4.mul (local.get $r) (v128.const i32x4 11059 11059 11059 11059)))
            (i32x4.sub (v128.const i32x4 8421375 8421375 8421375 8421375) (i32x4.mul (local.get $g) (v128.const i32x4 21709 21709 21709 21709)))) (i32.const 16)))
          (v128.store (i32.add (local.get $cr) (local.get $e)) (i32x4.shr_s (i32x4.add (i32x4.sub
            (i32x4.mul (local.get $r) (v128.const i32x4 32768 32768 32768 32768)) (i32x4.mul (local.get $g) (v128.const i32x4 27439 27439 27439 27439)))
            (i32x4.sub (v128.const i32x4 8421375 8421375 8421375 8421375) (i32x4.mul (local.get $b) (v128.const i32x4 5329 5329 5329 5329)))) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (i32.const 4)))
          (br_if $rgb (i32.lt_u (local.get $x) (global.get $width))))
        (call $replicate (local.get $cb))
        (call $replicate (local.get $cr))))
    (call $replicate (local.get $y)))

  (func $replicate (param $row i32)
    (local $x i32) (local $v i32)
    (local.set $x (global.get $width))
    (local.set $v (i32.load (i32.add (local.get $row) (i32.shl (i32.sub (local.get $x) (i32.const 1)) (i32.const 2)))))
    (block $done (loop $pad
      (br_if $done (i32.ge_u (local.get $x) (global.get $pw)))
      (i32.store (i32.add (local.get $row) (i32.shl (local.get $x) (i32.const 2))) (local.get $v))
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br $pad))))

  ;; h2v2 downsampling of the two strip rows at $src and $src + pw into $dst: (sum of 2x2 + bias) >> 2 with the
  ;; bias 1, 2, 1, 2, ... along the row. Four outputs per step (cw is a multiple of 8).
  (func $down (param $src i32) (param $dst i32)
    (local $end i32) (local $s0 v128) (local $s1 v128) (local $row i32)
    (local.set $row (i32.shl (global.get $pw) (i32.const 2)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (global.get $cw) (i32.const 2))))
    (loop $x
      (local.set $s0 (i32x4.add (v128.load (local.get $src)) (v128.load (i32.add (local.get $src) (local.get $row)))))
      (local.set $s1 (i32x4.add (v128.load offset=16 (local.get $src)) (v128.load offset=16 (i32.add (local.get $src) (local.get $row)))))
      (v128.store (local.get $dst) (i32x4.shr_s (i32x4.add (i32x4.add
        (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $s0) (local.get $s1))
        (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $s0) (local.get $s1)))
        (v128.const i32x4 1 2 1 2)) (i32.const 2)))
      (local.set $src (i32.add (local.get $src) (i32.const 32)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $x (i32.lt_u (local.get $dst) (local.get $end)))))

  ;; MCU row $my: colour conversion, downsampling, then every MCU's blocks coded, the bytes written from $pos
  ;; on (the caller leaves room for the row's worst case); returns the position after them. Dummy luma blocks as in
  ;; encodeJpegBaseline: right of the image they repeat the DC before them, below it the DC of the MCU's first
  ;; block row.
  (func (export "row") (param $my i32) (param $pos i32) (result i32)
    (local $mcu i32) (local $r i32) (local $rowBytes i32) (local $pwb i32) (local $real i32) (local $c i32)
    (local $mx i32) (local $v i32) (local $h i32) (local $bx i32) (local $by i32) (local $dc i32) (local $above i32)
    (local $cstride i32) (local $cbp i32) (local $crp i32)
    (global.set $out (local.get $pos))
    (local.set $mcu (i32.shl (global.get $hs) (i32.const 3)))
    (local.set $rowBytes (i32.mul (global.get $width) (global.get $ncomp)))
    (local.set $pwb (i32.shl (global.get $pw) (i32.const 2)))
    (loop $rows
      (call $convert
        (i32.add (global.get $in) (i32.mul (local.get $rowBytes) (select
          (i32.add (i32.mul (local.get $my) (local.get $mcu)) (local.get $r))
          (i32.sub (global.get $height) (i32.const 1))
          (i32.lt_u (i32.add (i32.mul (local.get $my) (local.get $mcu)) (local.get $r)) (global.get $height)))))
        (i32.add (global.get $ys) (i32.mul (local.get $r) (local.get $pwb)))
        (i32.add (global.get $cbs) (i32.mul (local.get $r) (local.get $pwb)))
        (i32.add (global.get $crs) (i32.mul (local.get $r) (local.get $pwb))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $r) (local.get $mcu))))
    (local.set $cstride (local.get $pwb))
    (local.set $cbp (global.get $cbs)) (local.set $crp (global.get $crs))
    (if (i32.and (i32.eq (global.get $ncomp) (i32.const 3)) (i32.eq (global.get $hs) (i32.const 2))) (then
      ;; chroma rows past ceil(height / 2) repeat the last real one (jcprepct.c pads the input only to an even height)
      (local.set $real (i32.sub (i32.shr_u (i32.add (global.get $height) (i32.const 1)) (i32.const 1)) (i32.shl (local.get $my) (i32.const 3))))
      (local.set $r (i32.const 0))
      (loop $crows
        (local.set $c (select (local.get $r) (i32.sub (local.get $real) (i32.const 1)) (i32.lt_s (local.get $r) (local.get $real))))
        (call $down (i32.add (global.get $cbs) (i32.mul (i32.shl (local.get $c) (i32.const 1)) (local.get $pwb)))
          (i32.add (global.get $cbd) (i32.shl (i32.mul (local.get $r) (global.get $cw)) (i32.const 2))))
        (call $down (i32.add (global.get $crs) (i32.mul (i32.shl (local.get $c) (i32.const 1)) (local.get $pwb)))
          (i32.add (global.get $crd) (i32.shl (i32.mul (local.get $r) (global.get $cw)) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $crows (i32.lt_u (local.get $r) (i32.const 8))))
      (local.set $cstride (i32.shl (global.get $cw) (i32.const 2)))
      (local.set $cbp (global.get $cbd)) (local.set $crp (global.get $crd))))
    (loop $mcus
      (local.set $above (i32.const 0))
      (local.set $v (i32.const 0))
      (loop $vv
        (local.set $by (i32.add (i32.mul (local.get $my) (global.get $hs)) (local.get $v)))
        (local.set $h (i32.const 0))
        (loop $hh
          (local.set $bx (i32.add (i32.mul (local.get $mx) (global.get $hs)) (local.get $h)))
          (if (i32.and (i32.lt_u (local.get $by) (global.get $yBlocksH)) (i32.lt_u (local.get $bx) (global.get $yBlocksW)))
            (then
              (local.set $dc (call $fdct
                (i32.add (global.get $ys) (i32.add (i32.mul (i32.shl (local.get $v) (i32.const 3)) (local.get $pwb)) (i32.shl (local.get $bx) (i32.const 5))))
                (local.get $pwb) (i32.const 4352)))
              (call $code (i32.sub (local.get $dc) (global.get $dcY)) (i32.const 0) (i32.const 1024)))
            (else
              (local.set $dc (select (global.get $dcY) (local.get $above)
                (i32.or (i32.lt_u (local.get $by) (global.get $yBlocksH)) (i32.eqz (local.get $v)))))
              (call $dummy (i32.sub (local.get $dc) (global.get $dcY)) (i32.const 0) (i32.const 1024))))
          (global.set $dcY (local.get $dc))
          (local.set $h (i32.add (local.get $h) (i32.const 1)))
          (br_if $hh (i32.lt_u (local.get $h) (global.get $hs))))
        (local.set $above (global.get $dcY))
        (local.set $v (i32.add (local.get $v) (i32.const 1)))
        (br_if $vv (i32.lt_u (local.get $v) (global.get $hs))))
      (if (i32.eq (global.get $ncomp) (i32.const 3)) (then
        (local.set $dc (call $fdct (i32.add (local.get $cbp) (i32.shl (local.get $mx) (i32.const 5))) (local.get $cstride) (i32.const 4864)))
        (call $code (i32.sub (local.get $dc) (global.get $dcCb)) (i32.const 2048) (i32.const 3072))
        (global.set $dcCb (local.get $dc))
        (local.set $dc (call $fdct (i32.add (local.get $crp) (i32.shl (local.get $mx) (i32.const 5))) (local.get $cstride) (i32.const 4864)))
        (call $code (i32.sub (local.get $dc) (global.get $dcCr)) (i32.const 2048) (i32.const 3072))
        (global.set $dcCr (local.get $dc))))
      (local.set $mx (i32.add (local.get $mx) (i32.const 1)))
      (br_if $mcus (i32.lt_u (local.get $mx) (global.get $mcusX))))
    (global.get $out))

  ;; End of scan: pad with 1-bits to a byte boundary and write what is pending from $pos on; returns the
  ;; position after it.
  (func (export "finish") (param $pos i32) (result i32)
    (local $pad i32)
    (global.set $out (local.get $pos))
    (local.set $pad (i32.and (i32.sub (i32.const 8) (i32.and (global.get $nb) (i32.const 7))) (i32.const 7)))
    (global.set $acc (i64.or (i64.shl (global.get $acc) (i64.extend_i32_u (local.get $pad)))
      (i64.extend_i32_u (i32.sub (i32.shl (i32.const 1) (local.get $pad)) (i32.const 1)))))
    (global.set $nb (i32.add (global.get $nb) (local.get $pad)))
    (block $done (loop $bytes
      (br_if $done (i32.lt_u (global.get $nb) (i32.const 8)))
      (global.set $nb (i32.sub (global.get $nb) (i32.const 8)))
      (call $byte (i32.and (i32.wrap_i64 (i64.shr_u (global.get $acc) (i64.extend_i32_u (global.get $nb)))) (i32.const 255)))
      (br $bytes)))
    (global.get $out))
)
