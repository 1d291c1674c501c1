;; Baseline JPEG decoding for the bytes of our own encoder (jpeg-decoder.ts decodes the headers and builds the
;; Huffman tables; this module decodes the scan and makes the pixels). It reproduces, bit for bit, what
;; libjpeg-turbo's decoder (the MozJPEG build in @jsquash/jpeg) returns with its default settings:
;;  - Huffman decoding as jdhuff.c: 0xFF00 stuffing, zero bits once a marker ends the data, the coefficient index
;;    advanced by the run before the store (past 63 it lands on jpeg_natural_order's guard entries, i.e. 63), DC
;;    prediction in int, coefficients stored as 16-bit JCOEFs;
;;  - the islow integer inverse DCT of jidctint.c (CONST_BITS 13, PASS1_BITS 2) in 32-bit wrapping arithmetic (JLONG
;;    is 32 bits in that WebAssembly build), with its range limit table: the output's low 10 bits, sign-extended,
;;    plus 128, clamped to 0..255 (the zero-column and zero-row shortcuts give the same values as the full passes);
;;  - 4:2:0 chroma by h2v2_fancy_upsample (jdsample.c): 3/4 nearer + 1/4 further row, then 3/4 + 1/4 columns with
;;    the +8 / +7 biases, the first and the last column against themselves, and the context rows of jdmainct.c at
;;    the top and bottom edges (the first and the last real chroma row repeated); but, as jinit_upsampler, by
;;    h2v2_upsample (each sample repeated 2 x 2) where the chroma is at most 2 samples wide (an image at most 4
;;    pixels wide);
;;  - YCbCr → RGB with jdcolor.c's fixed-point tables (SCALEBITS 16) and range limiting; greyscale gives R = G = B.
;; The pixels leave as float32 RGB, b / 255 (one float32 division, the same value as convert.ts's table of b/255).
;;
;; Memory (byte offsets): 0 Huffman tables, eight slots of 1536 bytes (DC 0..3, AC 0..3): a 9-bit lookahead table
;; (512 x u16: code length << 8 | symbol, 0 where the code is longer), at +1024 maxcode (18 x i32, by code length),
;; at +1096 valoffset (18 x i32), at +1168 the symbols (256 x u8); 12288 four quantisation tables (64 x i16, natural
;; order); 12800 NATURAL, the natural position of each zigzag index as a byte offset into BLOCK (80 x i32: 16 guard
;; entries for 63, as jpeg_natural_order); 13184 BLOCK, one block's coefficients (64 x i16, natural order); 13312
;; three component records (8 x i32: DC table, AC table, quantisation table, plane, plane stride, DC predictor, AC
;; fast table, unused); 16384 four AC fast tables (512 x i32 by the next 9 bits: the coefficient when its code and
;; magnitude bits fit in them, as value << 16 | run << 4 | bits used; else 0); from 24576 the caller's buffers: the
;; entropy-coded data, the component planes (whole blocks), one row of upsampling scratch and the output.
(module
  (memory (export "memory") 1)

  ;; bit reader: $cnt bits pending in the low end of $buf; $pos the next byte, $end the end of the data (moved to
  ;; a marker when one is met)
  (global $buf (mut i64) (i64.const 0))
  (global $cnt (mut i32) (i32.const 0))
  (global $pos (mut i32) (i32.const 0))
  (global $end (mut i32) (i32.const 0))

  ;; Huffman-decodes one block into BLOCK. Returns 1 when an AC coefficient was coded, 0 for a DC-only block, -1
  ;; for a bit pattern that no code of the table starts (libjpeg warns and goes on with symbol 0; the caller falls
  ;; back to libjpeg itself instead).
  (func $decodeBlock (param $dc i32) (param $ac i32) (param $fast i32) (param $comp i32) (result i32)
    (local $buf i64) (local $cnt i32) (local $pos i32) (local $end i32) (local $b i32)
    (local $tab i32) (local $k i32) (local $e i32) (local $len i32) (local $code i32) (local $sym i32)
    (local $s i32) (local $v i32) (local $hasAC i32)
    (local.set $buf (global.get $buf)) (local.set $cnt (global.get $cnt))
    (local.set $pos (global.get $pos)) (local.set $end (global.get $end))
    (v128.store offset=0 (i32.const 13184) (v128.const i64x2 0 0))
    (v128.store offset=16 (i32.const 13184) (v128.const i64x2 0 0))
    (v128.store offset=32 (i32.const 13184) (v128.const i64x2 0 0))
    (v128.store offset=48 (i32.const 13184) (v128.const i64x2 0 0))
    (v128.store offset=64 (i32.const 13184) (v128.const i64x2 0 0))
    (v128.store offset=80 (i32.const 13184) (v128.const i64x2 0 0))
    (v128.store offset=96 (i32.const 13184) (v128.const i64x2 0 0))
    (v128.store offset=112 (i32.const 13184) (v128.const i64x2 0 0))
    (local.set $tab (local.get $dc))
    (block $eob (loop $coef
      ;; at least 32 bits pending: a code (≤ 16 bits) and its magnitude (≤ 15 bits) never run short
      (if (i32.lt_u (local.get $cnt) (i32.const 32)) (then
        (loop $fill
          (local.set $b (i32.const 0))
          (if (i32.lt_u (local.get $pos) (local.get $end)) (then
            (local.set $b (i32.load8_u (local.get $pos)))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (if (i32.eq (local.get $b) (i32.const 0xff)) (then
              ;; fill bytes 0xFF before a marker are skipped (jpeg_fill_bit_buffer); 0xFF 0x00 is a data 0xFF
              (block $real (loop $skip
                (br_if $real (i32.ne (i32.load8_u (local.get $pos)) (i32.const 0xff)))
                (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
                (br $skip)))
              (if (i32.eqz (i32.load8_u (local.get $pos)))
                (then (local.set $pos (i32.add (local.get $pos) (i32.const 1))))
                (else
                  ;; a marker: the entropy-coded data ends here; zero bits from now on, as libjpeg
                  (local.set $b (i32.const 0))
                  (local.set $end (local.get $pos))))))))
          (local.set $buf (i64.or (i64.shl (local.get $buf) (i64.const 8)) (i64.extend_i32_u (local.get $b))))
          (local.set $cnt (i32.add (local.get $cnt) (i32.const 8)))
          (br_if $fill (i32.le_u (local.get $cnt) (i32.const 56))))))
      (local.set $code (i32.and (i32.wrap_i64 (i64.shr_u (local.get $buf) (i64.extend_i32_u (i32.sub (local.get $cnt) (i32.const 9)))))
        (i32.const 511)))
      ;; an AC coefficient whose code and magnitude fit in the next 9 bits: one lookup
      (if (local.get $k) (then
        (local.set $e (i32.load (i32.add (local.get $fast) (i32.shl (local.get $code) (i32.const 2)))))
        (if (local.get $e) (then
          (local.set $cnt (i32.sub (local.get $cnt) (i32.and (local.get $e) (i32.const 15))))
          (local.set $k (i32.add (local.get $k) (i32.and (i32.shr_u (local.get $e) (i32.const 4)) (i32.const 15))))
          (i32.store16 (i32.load offset=12800 (i32.shl (local.get $k) (i32.const 2))) (i32.shr_s (local.get $e) (i32.const 16)))
          (local.set $hasAC (i32.const 1))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $coef (i32.lt_u (local.get $k) (i32.const 64)))
          (br $eob)))))
      ;; the symbol: one lookup for codes of up to 9 bits, else code by code length as jpeg_huff_decode
      (local.set $e (i32.load16_u (i32.add (local.get $tab) (i32.shl (local.get $code) (i32.const 1)))))
      (if (local.get $e)
        (then
          (local.set $cnt (i32.sub (local.get $cnt) (i32.shr_u (local.get $e) (i32.const 8))))
          (local.set $sym (i32.and (local.get $e) (i32.const 255))))
        (else
          (local.set $len (i32.const 10))
          (loop $longer
            (local.set $code (i32.and
              (i32.wrap_i64 (i64.shr_u (local.get $buf) (i64.extend_i32_u (i32.sub (local.get $cnt) (local.get $len)))))
              (i32.sub (i32.shl (i32.const 1) (local.get $len)) (i32.const 1))))
            (if (i32.gt_s (local.get $code) (i32.load offset=1024 (i32.add (local.get $tab) (i32.shl (local.get $len) (i32.const 2))))) (then
              (local.set $len (i32.add (local.get $len) (i32.const 1)))
              (if (i32.gt_u (local.get $len) (i32.const 16)) (then (return (i32.const -1))))
              (br $longer))))
          (local.set $sym (i32.load8_u offset=1168 (i32.add (local.get $tab) (i32.and (i32.add (local.get $code)
            (i32.load offset=1096 (i32.add (local.get $tab) (i32.shl (local.get $len) (i32.const 2))))) (i32.const 255)))))
          (local.set $cnt (i32.sub (local.get $cnt) (local.get $len)))))
      ;; its magnitude bits, sign-extended (HUFF_EXTEND)
      (local.set $s (i32.and (local.get $sym) (i32.const 15)))
      (local.set $v (i32.const 0))
      (if (local.get $s) (then
        (local.set $cnt (i32.sub (local.get $cnt) (local.get $s)))
        (local.set $v (i32.and (i32.wrap_i64 (i64.shr_u (local.get $buf) (i64.extend_i32_u (local.get $cnt))))
          (i32.sub (i32.shl (i32.const 1) (local.get $s)) (i32.const 1))))
        (if (i32.lt_s (local.get $v) (i32.shl (i32.const 1) (i32.sub (local.get $s) (i32.const 1)))) (then
          (local.set $v (i32.add (local.get $v) (i32.add (i32.shl (i32.const -1) (local.get $s)) (i32.const 1))))))))
      (if (i32.eqz (local.get $k))
        (then
          ;; DC (the tables' DC symbols are ≤ 15, checked when they are built): the difference to the predictor
          (local.set $v (i32.add (local.get $v) (i32.load offset=20 (local.get $comp))))
          (i32.store offset=20 (local.get $comp) (local.get $v))
          (i32.store16 (i32.const 13184) (local.get $v))
          (local.set $k (i32.const 1))
          (local.set $tab (local.get $ac)))
        (else
          (if (local.get $s)
            (then
              (local.set $k (i32.add (local.get $k) (i32.shr_u (local.get $sym) (i32.const 4))))
              (i32.store16 (i32.load offset=12800 (i32.shl (local.get $k) (i32.const 2))) (local.get $v))
              (local.set $hasAC (i32.const 1))
              (local.set $k (i32.add (local.get $k) (i32.const 1))))
            (else
              ;; EOB ends the block; ZRL skips 16 zeros
              (br_if $eob (i32.ne (local.get $sym) (i32.const 0xf0)))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))))))
      (br_if $coef (i32.lt_u (local.get $k) (i32.const 64)))))
    (global.set $buf (local.get $buf)) (global.set $cnt (local.get $cnt))
    (global.set $pos (local.get $pos)) (global.set $end (local.get $end))
    (local.get $hasAC))

  ;; jpeg_idct_islow of BLOCK with quantisation table $q into 8 rows of 8 bytes at $dst.
  (func $idct (param $q i32) (param $dst i32) (param $stride i32)
    (local $i0 v128) (local $i1 v128) (local $i2 v128) (local $i3 v128) (local $i4 v128) (local $i5 v128) (local $i6 v128) (local $i7 v128) (local $z1 v128) (local $t2 v128) (local $t3 v128) (local $t0 v128) (local $t1 v128) (local $t10 v128) (local $t13 v128) (local $t11 v128) (local $t12 v128) (local $z2 v128) (local $z3 v128) (local $z4 v128) (local $z5 v128) (local $w00 v128) (local $w70 v128) (local $w10 v128) (local $w60 v128) (local $w20 v128) (local $w50 v128) (local $w30 v128) (local $w40 v128) (local $w01 v128) (local $w71 v128) (local $w11 v128) (local $w61 v128) (local $w21 v128) (local $w51 v128) (local $w31 v128) (local $w41 v128) (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $x00 v128) (local $x10 v128) (local $x20 v128) (local $x30 v128) (local $x40 v128) (local $x50 v128) (local $x60 v128) (local $x70 v128) (local $x01 v128) (local $x11 v128) (local $x21 v128) (local $x31 v128) (local $x41 v128) (local $x51 v128) (local $x61 v128) (local $x71 v128) (local $o00 v128) (local $o70 v128) (local $o10 v128) (local $o60 v128) (local $o20 v128) (local $o50 v128) (local $o30 v128) (local $o40 v128) (local $o01 v128) (local $o71 v128) (local $o11 v128) (local $o61 v128) (local $o21 v128) (local $o51 v128) (local $o31 v128) (local $o41 v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    ;; Pass 1 (jidctint.c: columns, descaled by CONST_BITS - PASS1_BITS), the left four columns then the right four.
    (local.set $i0 (i32x4.extmul_low_i16x8_s (v128.load offset=0 (i32.const 13184)) (v128.load offset=0 (local.get $q))))
    (local.set $i1 (i32x4.extmul_low_i16x8_s (v128.load offset=16 (i32.const 13184)) (v128.load offset=16 (local.get $q))))
    (local.set $i2 (i32x4.extmul_low_i16x8_s (v128.load offset=32 (i32.const 13184)) (v128.load offset=32 (local.get $q))))
    (local.set $i3 (i32x4.extmul_low_i16x8_s (v128.load offset=48 (i32.const 13184)) (v128.load offset=48 (local.get $q))))
    (local.set $i4 (i32x4.extmul_low_i16x8_s (v128.load offset=64 (i32.const 13184)) (v128.load offset=64 (local.get $q))))
    (local.set $i5 (i32x4.extmul_low_i16x8_s (v128.load offset=80 (i32.const 13184)) (v128.load offset=80 (local.get $q))))
    (local.set $i6 (i32x4.extmul_low_i16x8_s (v128.load offset=96 (i32.const 13184)) (v128.load offset=96 (local.get $q))))
    (local.set $i7 (i32x4.extmul_low_i16x8_s (v128.load offset=112 (i32.const 13184)) (v128.load offset=112 (local.get $q))))
    (local.set $z1 (i32x4.mul (i32x4.add (local.get $i2) (local.get $i6)) (v128.const i32x4 4433 4433 4433 4433)))
    (local.set $t2 (i32x4.add (local.get $z1) (i32x4.mul (local.get $i6) (v128.const i32x4 -15137 -15137 -15137 -15137))))
    (local.set $t3 (i32x4.add (local.get $z1) (i32x4.mul (local.get $i2) (v128.const i32x4 6270 6270 6270 6270))))
    (local.set $t0 (i32x4.shl (i32x4.add (local.get $i0) (local.get $i4)) (i32.const 13)))
    (local.set $t1 (i32x4.shl (i32x4.sub (local.get $i0) (local.get $i4)) (i32.const 13)))
    (local.set $t10 (i32x4.add (local.get $t0) (local.get $t3)))
    (local.set $t13 (i32x4.sub (local.get $t0) (local.get $t3)))
    (local.set $t11 (i32x4.add (local.get $t1) (local.get $t2)))
    (local.set $t12 (i32x4.sub (local.get $t1) (local.get $t2)))
    (local.set $z1 (i32x4.add (local.get $i7) (local.get $i1)))
    (local.set $z2 (i32x4.add (local.get $i5) (local.get $i3)))
    (local.set $z3 (i32x4.add (local.get $i7) (local.get $i3)))
    (local.set $z4 (i32x4.add (local.get $i5) (local.get $i1)))
    (local.set $z5 (i32x4.mul (i32x4.add (local.get $z3) (local.get $z4)) (v128.const i32x4 9633 9633 9633 9633)))
    (local.set $z1 (i32x4.mul (local.get $z1) (v128.const i32x4 -7373 -7373 -7373 -7373)))
    (local.set $z2 (i32x4.mul (local.get $z2) (v128.const i32x4 -20995 -20995 -20995 -20995)))
    (local.set $z3 (i32x4.add (i32x4.mul (local.get $z3) (v128.const i32x4 -16069 -16069 -16069 -16069)) (local.get $z5)))
    (local.set $z4 (i32x4.add (i32x4.mul (local.get $z4) (v128.const i32x4 -3196 -3196 -3196 -3196)) (local.get $z5)))
    (local.set $t0 (i32x4.add (i32x4.mul (local.get $i7) (v128.const i32x4 2446 2446 2446 2446)) (i32x4.add (local.get $z1) (local.get $z3))))
    (local.set $t1 (i32x4.add (i32x4.mul (local.get $i5) (v128.const i32x4 16819 16819 16819 16819)) (i32x4.add (local.get $z2) (local.get $z4))))
    (local.set $t2 (i32x4.add (i32x4.mul (local.get $i3) (v128.const i32x4 25172 25172 25172 25172)) (i32x4.add (local.get $z2) (local.get $z3))))
    (local.set $t3 (i32x4.add (i32x4.mul (local.get $i1) (v128.const i32x4 12299 12299 12299 12299)) (i32x4.add (local.get $z1) (local.get $z4))))
    (local.set $w00 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t10) (local.get $t3)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w70 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t10) (local.get $t3)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w10 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t11) (local.get $t2)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w60 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t11) (local.get $t2)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w20 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t12) (local.get $t1)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w50 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t12) (local.get $t1)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w30 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t13) (local.get $t0)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w40 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t13) (local.get $t0)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $i0 (i32x4.extmul_high_i16x8_s (v128.load offset=0 (i32.const 13184)) (v128.load offset=0 (local.get $q))))
    (local.set $i1 (i32x4.extmul_high_i16x8_s (v128.load offset=16 (i32.const 13184)) (v128.load offset=16 (local.get $q))))
    (local.set $i2 (i32x4.extmul_high_i16x8_s (v128.load offset=32 (i32.const 13184)) (v128.load offset=32 (local.get $q))))
    (local.set $i3 (i32x4.extmul_high_i16x8_s (v128.load offset=48 (i32.const 13184)) (v128.load offset=48 (local.get $q))))
    (local.set $i4 (i32x4.extmul_high_i16x8_s (v128.load offset=64 (i32.const 13184)) (v128.load offset=64 (local.get $q))))
    (local.set $i5 (i32x4.extmul_high_i16x8_s (v128.load offset=80 (i32.const 13184)) (v128.load offset=80 (local.get $q))))
    (local.set $i6 (i32x4.extmul_high_i16x8_s (v128.load offset=96 (i32.const 13184)) (v128.load offset=96 (local.get $q))))
    (local.set $i7 (i32x4.extmul_high_i16x8_s (v128.load offset=112 (i32.const 13184)) (v128.load offset=112 (local.get $q))))
    (local.set $z1 (i32x4.mul (i32x4.add (local.get $i2) (local.get $i6)) (v128.const i32x4 4433 4433 4433 4433)))
    (local.set $t2 (i32x4.add (local.get $z1) (i32x4.mul (local.get $i6) (v128.const i32x4 -15137 -15137 -15137 -15137))))
    (local.set $t3 (i32x4.add (local.get $z1) (i32x4.mul (local.get $i2) (v128.const i32x4 6270 6270 6270 6270))))
    (local.set $t0 (i32x4.shl (i32x4.add (local.get $i0) (local.get $i4)) (i32.const 13)))
    (local.set $t1 (i32x4.shl (i32x4.sub (local.get $i0) (local.get $i4)) (i32.const 13)))
    (local.set $t10 (i32x4.add (local.get $t0) (local.get $t3)))
    (local.set $t13 (i32x4.sub (local.get $t0) (local.get $t3)))
    (local.set $t11 (i32x4.add (local.get $t1) (local.get $t2)))
    (local.set $t12 (i32x4.sub (local.get $t1) (local.get $t2)))
    (local.set $z1 (i32x4.add (local.get $i7) (local.get $i1)))
    (local.set $z2 (i32x4.add (local.get $i5) (local.get $i3)))
    (local.set $z3 (i32x4.add (local.get $i7) (local.get $i3)))
    (local.set $z4 (i32x4.add (local.get $i5) (local.get $i1)))
    (local.set $z5 (i32x4.mul (i32x4.add (local.get $z3) (local.get $z4)) (v128.const i32x4 9633 9633 9633 9633)))
    (local.set $z1 (i32x4.mul (local.get $z1) (v128.const i32x4 -7373 -7373 -7373 -7373)))
    (local.set $z2 (i32x4.mul (local.get $z2) (v128.const i32x4 -20995 -20995 -20995 -20995)))
    (local.set $z3 (i32x4.add (i32x4.mul (local.get $z3) (v128.const i32x4 -16069 -16069 -16069 -16069)) (local.get $z5)))
    (local.set $z4 (i32x4.add (i32x4.mul (local.get $z4) (v128.const i32x4 -3196 -3196 -3196 -3196)) (local.get $z5)))
    (local.set $t0 (i32x4.add (i32x4.mul (local.get $i7) (v128.const i32x4 2446 2446 2446 2446)) (i32x4.add (local.get $z1) (local.get $z3))))
    (local.set $t1 (i32x4.add (i32x4.mul (local.get $i5) (v128.const i32x4 16819 16819 16819 16819)) (i32x4.add (local.get $z2) (local.get $z4))))
    (local.set $t2 (i32x4.add (i32x4.mul (local.get $i3) (v128.const i32x4 25172 25172 25172 25172)) (i32x4.add (local.get $z2) (local.get $z3))))
    (local.set $t3 (i32x4.add (i32x4.mul (local.get $i1) (v128.const i32x4 12299 12299 12299 12299)) (i32x4.add (local.get $z1) (local.get $z4))))
    (local.set $w01 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t10) (local.get $t3)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w71 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t10) (local.get $t3)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w11 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t11) (local.get $t2)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w61 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t11) (local.get $t2)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w21 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t12) (local.get $t1)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w51 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t12) (local.get $t1)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w31 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t13) (local.get $t0)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    (local.set $w41 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t13) (local.get $t0)) (v128.const i32x4 1024 1024 1024 1024)) (i32.const 11)))
    ;; Transpose each 4 x 4 quarter: x<k><g> holds column k of rows 4g .. 4g + 3.
    (local.set $a (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $w00) (local.get $w10)))
    (local.set $b (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $w00) (local.get $w10)))
    (local.set $c (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $w20) (local.get $w30)))
    (local.set $d (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $w20) (local.get $w30)))
    (local.set $x00 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $c)))
    (local.set $x10 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $c)))
    (local.set $x20 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $b) (local.get $d)))
    (local.set $x30 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $b) (local.get $d)))
    (local.set $a (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $w01) (local.get $w11)))
    (local.set $b (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $w01) (local.get $w11)))
    (local.set $c (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $w21) (local.get $w31)))
    (local.set $d (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $w21) (local.get $w31)))
    (local.set $x40 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $c)))
    (local.set $x50 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $c)))
    (local.set $x60 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $b) (local.get $d)))
    (local.set $x70 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $b) (local.get $d)))
    (local.set $a (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $w40) (local.get $w50)))
    (local.set $b (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $w40) (local.get $w50)))
    (local.set $c (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $w60) (local.get $w70)))
    (local.set $d (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $w60) (local.get $w70)))
    (local.set $x01 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $c)))
    (local.set $x11 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $c)))
    (local.set $x21 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $b) (local.get $d)))
    (local.set $x31 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $b) (local.get $d)))
    (local.set $a (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $w41) (local.get $w51)))
    (local.set $b (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $w41) (local.get $w51)))
    (local.set $c (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $w61) (local.get $w71)))
    (local.set $d (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $w61) (local.get $w71)))
    (local.set $x41 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $c)))
    (local.set $x51 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $c)))
    (local.set $x61 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $b) (local.get $d)))
    (local.set $x71 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $b) (local.get $d)))
    ;; Pass 2 (rows, descaled by CONST_BITS + PASS1_BITS + 3), rows 0-3 then 4-7; o<j><g> = output column j.
    (local.set $z1 (i32x4.mul (i32x4.add (local.get $x20) (local.get $x60)) (v128.const i32x4 4433 4433 4433 4433)))
    (local.set $t2 (i32x4.add (local.get $z1) (i32x4.mul (local.get $x60) (v128.const i32x4 -15137 -15137 -15137 -15137))))
    (local.set $t3 (i32x4.add (local.get $z1) (i32x4.mul (local.get $x20) (v128.const i32x4 6270 6270 6270 6270))))
    (local.set $t0 (i32x4.shl (i32x4.add (local.get $x00) (local.get $x40)) (i32.const 13)))
    (local.set $t1 (i32x4.shl (i32x4.sub (local.get $x00) (local.get $x40)) (i32.const 13)))
    (local.set $t10 (i32x4.add (local.get $t0) (local.get $t3)))
    (local.set $t13 (i32x4.sub (local.get $t0) (local.get $t3)))
    (local.set $t11 (i32x4.add (local.get $t1) (local.get $t2)))
    (local.set $t12 (i32x4.sub (local.get $t1) (local.get $t2)))
    (local.set $z1 (i32x4.add (local.get $x70) (local.get $x10)))
    (local.set $z2 (i32x4.add (local.get $x50) (local.get $x30)))
    (local.set $z3 (i32x4.add (local.get $x70) (local.get $x30)))
    (local.set $z4 (i32x4.add (local.get $x50) (local.get $x10)))
    (local.set $z5 (i32x4.mul (i32x4.add (local.get $z3) (local.get $z4)) (v128.const i32x4 9633 9633 9633 9633)))
    (local.set $z1 (i32x4.mul (local.get $z1) (v128.const i32x4 -7373 -7373 -7373 -7373)))
    (local.set $z2 (i32x4.mul (local.get $z2) (v128.const i32x4 -20995 -20995 -20995 -20995)))
    (local.set $z3 (i32x4.add (i32x4.mul (local.get $z3) (v128.const i32x4 -16069 -16069 -16069 -16069)) (local.get $z5)))
    (local.set $z4 (i32x4.add (i32x4.mul (local.get $z4) (v128.const i32x4 -3196 -3196 -3196 -3196)) (local.get $z5)))
    (local.set $t0 (i32x4.add (i32x4.mul (local.get $x70) (v128.const i32x4 2446 2446 2446 2446)) (i32x4.add (local.get $z1) (local.get $z3))))
    (local.set $t1 (i32x4.add (i32x4.mul (local.get $x50) (v128.const i32x4 16819 16819 16819 16819)) (i32x4.add (local.get $z2) (local.get $z4))))
    (local.set $t2 (i32x4.add (i32x4.mul (local.get $x30) (v128.const i32x4 25172 25172 25172 25172)) (i32x4.add (local.get $z2) (local.get $z3))))
    (local.set $t3 (i32x4.add (i32x4.mul (local.get $x10) (v128.const i32x4 12299 12299 12299 12299)) (i32x4.add (local.get $z1) (local.get $z4))))
    (local.set $o00 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t10) (local.get $t3)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o70 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t10) (local.get $t3)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o10 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t11) (local.get $t2)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o60 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t11) (local.get $t2)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o20 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t12) (local.get $t1)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o50 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t12) (local.get $t1)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o30 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t13) (local.get $t0)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o40 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t13) (local.get $t0)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $z1 (i32x4.mul (i32x4.add (local.get $x21) (local.get $x61)) (v128.const i32x4 4433 4433 4433 4433)))
    (local.set $t2 (i32x4.add (local.get $z1) (i32x4.mul (local.get $x61) (v128.const i32x4 -15137 -15137 -15137 -15137))))
    (local.set $t3 (i32x4.add (local.get $z1) (i32x4.mul (local.get $x21) (v128.const i32x4 6270 6270 6270 6270))))
    (local.set $t0 (i32x4.shl (i32x4.add (local.get $x01) (local.get $x41)) (i32.const 13)))
    (local.set $t1 (i32x4.shl (i32x4.sub (local.get $x01) (local.get $x41)) (i32.const 13)))
    (local.set $t10 (i32x4.add (local.get $t0) (local.get $t3)))
    (local.set $t13 (i32x4.sub (local.get $t0) (local.get $t3)))
    (local.set $t11 (i32x4.add (local.get $t1) (local.get $t2)))
    (local.set $t12 (i32x4.sub (local.get $t1) (local.get $t2)))
    (local.set $z1 (i32x4.add (local.get $x71) (local.get $x11)))
    (local.set $z2 (i32x4.add (local.get $x51) (local.get $x31)))
    (local.set $z3 (i32x4.add (local.get $x71) (local.get $x31)))
    (local.set $z4 (i32x4.add (local.get $x51) (local.get $x11)))
    (local.set $z5 (i32x4.mul (i32x4.add (local.get $z3) (local.get $z4)) (v128.const i32x4 9633 9633 9633 9633)))
    (local.set $z1 (i32x4.mul (local.get $z1) (v128.const i32x4 -7373 -7373 -7373 -7373)))
    (local.set $z2 (i32x4.mul (local.get $z2) (v128.const i32x4 -20995 -20995 -20995 -20995)))
    (local.set $z3 (i32x4.add (i32x4.mul (local.get $z3) (v128.const i32x4 -16069 -16069 -16069 -16069)) (local.get $z5)))
    (local.set $z4 (i32x4.add (i32x4.mul (local.get $z4) (v128.const i32x4 -3196 -3196 -3196 -3196)) (local.get $z5)))
    (local.set $t0 (i32x4.add (i32x4.mul (local.get $x71) (v128.const i32x4 2446 2446 2446 2446)) (i32x4.add (local.get $z1) (local.get $z3))))
    (local.set $t1 (i32x4.add (i32x4.mul (local.get $x51) (v128.const i32x4 16819 16819 16819 16819)) (i32x4.add (local.get $z2) (local.get $z4))))
    (local.set $t2 (i32x4.add (i32x4.mul (local.get $x31) (v128.const i32x4 25172 25172 25172 25172)) (i32x4.add (local.get $z2) (local.get $z3))))
    (local.set $t3 (i32x4.add (i32x4.mul (local.get $x11) (v128.const i32x4 12299 12299 12299 12299)) (i32x4.add (local.get $z1) (local.get $z4))))
    (local.set $o01 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t10) (local.get $t3)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o71 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t10) (local.get $t3)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o11 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t11) (local.get $t2)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o61 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t11) (local.get $t2)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o21 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t12) (local.get $t1)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o51 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t12) (local.get $t1)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o31 (i32x4.shr_s (i32x4.add (i32x4.add (local.get $t13) (local.get $t0)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    (local.set $o41 (i32x4.shr_s (i32x4.add (i32x4.sub (local.get $t13) (local.get $t0)) (v128.const i32x4 131072 131072 131072 131072)) (i32.const 18)))
    ;; range_limit[x & RANGE_MASK] = clamp(x sign-extended from 10 bits + 128, 0, 255): shifts, then saturating narrows.
    (local.set $o00 (i16x8.narrow_i32x4_s (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o00) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128)) (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o01) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128))))
    (local.set $o10 (i16x8.narrow_i32x4_s (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o10) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128)) (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o11) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128))))
    (local.set $o20 (i16x8.narrow_i32x4_s (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o20) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128)) (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o21) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128))))
    (local.set $o30 (i16x8.narrow_i32x4_s (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o30) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128)) (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o31) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128))))
    (local.set $o40 (i16x8.narrow_i32x4_s (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o40) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128)) (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o41) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128))))
    (local.set $o50 (i16x8.narrow_i32x4_s (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o50) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128)) (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o51) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128))))
    (local.set $o60 (i16x8.narrow_i32x4_s (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o60) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128)) (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o61) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128))))
    (local.set $o70 (i16x8.narrow_i32x4_s (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o70) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128)) (i32x4.add (i32x4.shr_s (i32x4.shl (local.get $o71) (i32.const 22)) (i32.const 22)) (v128.const i32x4 128 128 128 128))))
    (local.set $a0 (i8x16.narrow_i16x8_u (local.get $o00) (local.get $o10)))
    (local.set $a1 (i8x16.narrow_i16x8_u (local.get $o20) (local.get $o30)))
    (local.set $a2 (i8x16.narrow_i16x8_u (local.get $o40) (local.get $o50)))
    (local.set $a3 (i8x16.narrow_i16x8_u (local.get $o60) (local.get $o70)))
    ;; a<p> = columns 2p and 2p + 1 of rows 0..7; gather rows (four bytes from each of two vectors), then pairs of rows.
    (local.set $a (i8x16.shuffle 0 8 16 24 1 9 17 25 2 10 18 26 3 11 19 27 (local.get $a0) (local.get $a1)))
    (local.set $b (i8x16.shuffle 4 12 20 28 5 13 21 29 6 14 22 30 7 15 23 31 (local.get $a0) (local.get $a1)))
    (local.set $c (i8x16.shuffle 0 8 16 24 1 9 17 25 2 10 18 26 3 11 19 27 (local.get $a2) (local.get $a3)))
    (local.set $d (i8x16.shuffle 4 12 20 28 5 13 21 29 6 14 22 30 7 15 23 31 (local.get $a2) (local.get $a3)))
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $c)))
    (v128.store64_lane 0 (local.get $dst) (local.get $t0))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store64_lane 1 (local.get $dst) (local.get $t0))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (local.set $t0 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $c)))
    (v128.store64_lane 0 (local.get $dst) (local.get $t0))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store64_lane 1 (local.get $dst) (local.get $t0))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $b) (local.get $d)))
    (v128.store64_lane 0 (local.get $dst) (local.get $t0))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store64_lane 1 (local.get $dst) (local.get $t0))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (local.set $t0 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $b) (local.get $d)))
    (v128.store64_lane 0 (local.get $dst) (local.get $t0))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store64_lane 1 (local.get $dst) (local.get $t0))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
  )

  ;; A DC-only block: both passes reduce to one value, ((DC << PASS1_BITS) + 16) >> 5, range-limited as above.
  (func $idctDC (param $q i32) (param $dst i32) (param $stride i32)
    (local $v i32) (local $row i64)
    (local.set $v (i32.shr_s (i32.add (i32.shl (i32.mul (i32.load16_s (i32.const 13184)) (i32.load16_s (local.get $q)))
      (i32.const 2)) (i32.const 16)) (i32.const 5)))
    (local.set $v (i32.add (i32.shr_s (i32.shl (local.get $v) (i32.const 22)) (i32.const 22)) (i32.const 128)))
    (if (i32.lt_s (local.get $v) (i32.const 0)) (then (local.set $v (i32.const 0))))
    (if (i32.gt_s (local.get $v) (i32.const 255)) (then (local.set $v (i32.const 255))))
    (local.set $row (i64.mul (i64.extend_i32_u (local.get $v)) (i64.const 0x0101010101010101)))
    (i64.store (local.get $dst) (local.get $row))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride))) (i64.store (local.get $dst) (local.get $row))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride))) (i64.store (local.get $dst) (local.get $row))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride))) (i64.store (local.get $dst) (local.get $row))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride))) (i64.store (local.get $dst) (local.get $row))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride))) (i64.store (local.get $dst) (local.get $row))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride))) (i64.store (local.get $dst) (local.get $row))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride))) (i64.store (local.get $dst) (local.get $row)))

  ;; One block of component record $comp at block column $bx, block row $by of its plane. 0 on a bad code.
  (func $block (param $comp i32) (param $bx i32) (param $by i32) (result i32)
    (local $r i32) (local $stride i32) (local $dst i32)
    (local.set $r (call $decodeBlock (i32.load (local.get $comp)) (i32.load offset=4 (local.get $comp))
      (i32.load offset=24 (local.get $comp)) (local.get $comp)))
    (if (i32.lt_s (local.get $r) (i32.const 0)) (then (return (i32.const 0))))
    (local.set $stride (i32.load offset=16 (local.get $comp)))
    (local.set $dst (i32.add (i32.load offset=12 (local.get $comp))
      (i32.shl (i32.add (i32.mul (local.get $by) (local.get $stride)) (local.get $bx)) (i32.const 3))))
    (if (local.get $r)
      (then (call $idct (i32.load offset=8 (local.get $comp)) (local.get $dst) (local.get $stride)))
      (else (call $idctDC (i32.load offset=8 (local.get $comp)) (local.get $dst) (local.get $stride))))
    (i32.const 1))

  ;; The interleaved scan of [$in, $end): MCUs of $hs x $hs luma blocks (hs 1 or 2) and, with three components, one
  ;; block each of Cb and Cr. Returns 1, or 0 on a bad Huffman code.
  (func (export "decodeScan") (param $in i32) (param $end i32) (param $ncomp i32) (param $hs i32)
    (param $mcusX i32) (param $mcusY i32) (result i32)
    (local $mx i32) (local $my i32) (local $h i32) (local $v i32)
    (global.set $buf (i64.const 0)) (global.set $cnt (i32.const 0))
    (global.set $pos (local.get $in)) (global.set $end (local.get $end))
    (i32.store offset=20 (i32.const 13312) (i32.const 0))
    (i32.store offset=52 (i32.const 13312) (i32.const 0))
    (i32.store offset=84 (i32.const 13312) (i32.const 0))
    (loop $rows
      (local.set $mx (i32.const 0))
      (loop $mcus
        (local.set $v (i32.const 0))
        (loop $lumaRows
          (local.set $h (i32.const 0))
          (loop $lumaCols
            (if (i32.eqz (call $block (i32.const 13312)
                (i32.add (i32.mul (local.get $mx) (local.get $hs)) (local.get $h))
                (i32.add (i32.mul (local.get $my) (local.get $hs)) (local.get $v))))
              (then (return (i32.const 0))))
            (local.set $h (i32.add (local.get $h) (i32.const 1)))
            (br_if $lumaCols (i32.lt_u (local.get $h) (local.get $hs))))
          (local.set $v (i32.add (local.get $v) (i32.const 1)))
          (br_if $lumaRows (i32.lt_u (local.get $v) (local.get $hs))))
        (if (i32.eq (local.get $ncomp) (i32.const 3)) (then
          (if (i32.eqz (call $block (i32.const 13344) (local.get $mx) (local.get $my))) (then (return (i32.const 0))))
          (if (i32.eqz (call $block (i32.const 13376) (local.get $mx) (local.get $my))) (then (return (i32.const 0))))))
        (local.set $mx (i32.add (local.get $mx) (i32.const 1)))
        (br_if $mcus (i32.lt_u (local.get $mx) (local.get $mcusX))))
      (local.set $my (i32.add (local.get $my) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $my) (local.get $mcusY))))
    (i32.const 1))

  ;; One h2v2 fancy-upsampled chroma row from the nearer ($near) and the further ($far) decoded row, $cw samples
  ;; wide, into $dst (2 x $cw bytes, rounded up to 16). $cs is scratch for the column sums 3 x near + far (i16), kept
  ;; one entry to the right so that the left neighbour of column 0 has a place.
  (func $upsampleRow (param $near i32) (param $far i32) (param $cw i32) (param $dst i32) (param $cs i32)
    (local $i i32) (local $p i32) (local $n v128) (local $c v128)
    (if (i32.le_u (local.get $cw) (i32.const 2)) (then
      ;; h2v2_upsample: two samples, each twice
      (i32.store (local.get $dst) (i32.or
        (i32.mul (i32.load8_u (local.get $near)) (i32.const 0x0101))
        (i32.mul (i32.load8_u offset=1 (local.get $near)) (i32.const 0x01010000))))
      (return)))
    ;; the sums 3 x near + far, whole vectors up to column $cw
    (loop $sums
      (local.set $n (i16x8.extend_low_i8x16_u (v128.load64_zero (i32.add (local.get $near) (local.get $i)))))
      (v128.store offset=2 (i32.add (local.get $cs) (i32.shl (local.get $i) (i32.const 1)))
        (i16x8.add (i16x8.add (local.get $n) (i16x8.add (local.get $n) (local.get $n)))
          (i16x8.extend_low_i8x16_u (v128.load64_zero (i32.add (local.get $far) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $sums (i32.le_u (local.get $i) (local.get $cw))))
    ;; the first column is its own left neighbour, the last its own right one
    (i32.store16 (local.get $cs) (i32.load16_u offset=2 (local.get $cs)))
    (i32.store16 offset=2 (i32.add (local.get $cs) (i32.shl (local.get $cw) (i32.const 1)))
      (i32.load16_u (i32.add (local.get $cs) (i32.shl (local.get $cw) (i32.const 1)))))
    (local.set $i (i32.const 0))
    (loop $cols
      (local.set $p (i32.add (local.get $cs) (i32.shl (local.get $i) (i32.const 1))))
      (local.set $c (v128.load offset=2 (local.get $p)))
      (local.set $c (i16x8.add (local.get $c) (i16x8.add (local.get $c) (local.get $c))))
      ;; even outputs (3 x this + left + 8) >> 4, odd ones (3 x this + right + 7) >> 4, interleaved
      (v128.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))
        (i8x16.shuffle 0 8 1 9 2 10 3 11 4 12 5 13 6 14 7 15
          (i8x16.narrow_i16x8_u
            (i16x8.shr_u (i16x8.add (i16x8.add (local.get $c) (v128.load (local.get $p))) (v128.const i16x8 8 8 8 8 8 8 8 8)) (i32.const 4))
            (i16x8.shr_u (i16x8.add (i16x8.add (local.get $c) (v128.load offset=4 (local.get $p))) (v128.const i16x8 7 7 7 7 7 7 7 7)) (i32.const 4)))
          (v128.const i64x2 0 0)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $cols (i32.lt_u (local.get $i) (local.get $cw)))))

  ;; One output row from luma $y and chroma $cb, $cr (bytes), $n pixels rounded up to 4, as float32 RGB at $out.
  (func $colourRow (param $y i32) (param $cb i32) (param $cr i32) (param $n i32) (param $out i32)
    (local $x i32) (local $yv v128) (local $cbv v128) (local $crv v128) (local $r v128) (local $g v128) (local $b v128)
    (local $t v128)
    (loop $four
      (local.set $yv (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $y) (local.get $x))))))
      (local.set $cbv (i32x4.sub (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $cb) (local.get $x)))))
        (v128.const i32x4 128 128 128 128)))
      (local.set $crv (i32x4.sub (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $cr) (local.get $x)))))
        (v128.const i32x4 128 128 128 128)))
      ;; R = y + Cr_r_tab[cr], G = y + ((Cb_g_tab[cb] + Cr_g_tab[cr]) >> 16), B = y + Cb_b_tab[cb]: FIX(1.40200) = 91881,
      ;; FIX(0.34414) = 22554, FIX(0.71414) = 46802, FIX(1.77200) = 116130, ONE_HALF = 32768
      (local.set $r (i32x4.add (local.get $yv) (i32x4.shr_s (i32x4.add (i32x4.mul (local.get $crv) (v128.const i32x4 91881 91881 91881 91881))
        (v128.const i32x4 32768 32768 32768 32768)) (i32.const 16))))
      (local.set $g (i32x4.add (local.get $yv) (i32x4.shr_s (i32x4.add (i32x4.add
        (i32x4.mul (local.get $cbv) (v128.const i32x4 -22554 -22554 -22554 -22554))
        (i32x4.mul (local.get $crv) (v128.const i32x4 -46802 -46802 -46802 -46802)))
        (v128.const i32x4 32768 32768 32768 32768)) (i32.const 16))))
      (local.set $b (i32x4.add (local.get $yv) (i32x4.shr_s (i32x4.add (i32x4.mul (local.get $cbv) (v128.const i32x4 116130 116130 116130 116130))
        (v128.const i32x4 32768 32768 32768 32768)) (i32.const 16))))
      ;; range limit, then b / 255 as float32
      (local.set $r (f32x4.div (f32x4.convert_i32x4_s (i32x4.min_s (i32x4.max_s (local.get $r) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
        (v128.const f32x4 255 255 255 255)))
      (local.set $g (f32x4.div (f32x4.convert_i32x4_s (i32x4.min_s (i32x4.max_s (local.get $g) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
        (v128.const f32x4 255 255 255 255)))
      (local.set $b (f32x4.div (f32x4.convert_i32x4_s (i32x4.min_s (i32x4.max_s (local.get $b) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
        (v128.const f32x4 255 255 255 255)))
      ;; interleave: R0 G0 B0 R1 | G1 B1 R2 G2 | B2 R3 G3 B3
      (local.set $t (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 0 0 0 0 (local.get $r) (local.get $g)))
      (v128.store (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 8 9 10 11 (local.get $t) (local.get $b)))
      (local.set $t (i8x16.shuffle 20 21 22 23 8 9 10 11 24 25 26 27 0 0 0 0 (local.get $r) (local.get $g)))
      (v128.store offset=16 (local.get $out) (i8x16.shuffle 0 1 2 3 20 21 22 23 4 5 6 7 8 9 10 11 (local.get $t) (local.get $b)))
      (local.set $t (i8x16.shuffle 12 13 14 15 28 29 30 31 0 0 0 0 0 0 0 0 (local.get $r) (local.get $g)))
      (v128.store offset=32 (local.get $out) (i8x16.shuffle 24 25 26 27 0 1 2 3 4 5 6 7 28 29 30 31 (local.get $t) (local.get $b)))
      (local.set $out (i32.add (local.get $out) (i32.const 48)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (br_if $four (i32.lt_u (local.get $x) (local.get $n)))))

  ;; One greyscale output row: Y as R = G = B.
  (func $greyRow (param $y i32) (param $n i32) (param $out i32)
    (local $x i32) (local $v v128)
    (loop $four
      (local.set $v (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
        (v128.load32_zero (i32.add (local.get $y) (local.get $x)))))) (v128.const f32x4 255 255 255 255)))
      (v128.store (local.get $out) (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
      (v128.store offset=16 (local.get $out) (i8x16.shuffle 4 5 6 7 4 5 6 7 8 9 10 11 8 9 10 11 (local.get $v) (local.get $v)))
      (v128.store offset=32 (local.get $out) (i8x16.shuffle 8 9 10 11 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $v) (local.get $v)))
      (local.set $out (i32.add (local.get $out) (i32.const 48)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (br_if $four (i32.lt_u (local.get $x) (local.get $n)))))

  ;; The decoded planes (component records' plane and stride) to $width x $height float32 RGB at $out. A row's
  ;; last vector may spill up to 11 floats into the next row (written over by it) or past the end (the caller's
  ;; slack). With $hs = 2, $tmp holds the column sums and the two upsampled chroma rows.
  (func (export "toRGB") (param $width i32) (param $height i32) (param $ncomp i32) (param $hs i32) (param $out i32) (param $tmp i32)
    (local $y i32) (local $ys i32) (local $cs i32) (local $cw i32) (local $ch i32) (local $near i32) (local $far i32)
    (local $upCb i32) (local $upCr i32) (local $rowBytes i32)
    (local.set $ys (i32.load offset=16 (i32.const 13312)))
    (local.set $cs (i32.load offset=48 (i32.const 13312)))
    (local.set $rowBytes (i32.mul (local.get $width) (i32.const 12)))
    (if (i32.eq (local.get $ncomp) (i32.const 1)) (then
      (loop $grey
        (call $greyRow (i32.add (i32.load offset=12 (i32.const 13312)) (i32.mul (local.get $y) (local.get $ys)))
          (local.get $width) (local.get $out))
        (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br_if $grey (i32.lt_u (local.get $y) (local.get $height))))
      (return)))
    (if (i32.eq (local.get $hs) (i32.const 1)) (then
      (loop $full
        (call $colourRow (i32.add (i32.load offset=12 (i32.const 13312)) (i32.mul (local.get $y) (local.get $ys)))
          (i32.add (i32.load offset=44 (i32.const 13312)) (i32.mul (local.get $y) (local.get $cs)))
          (i32.add (i32.load offset=76 (i32.const 13312)) (i32.mul (local.get $y) (local.get $cs)))
          (local.get $width) (local.get $out))
        (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br_if $full (i32.lt_u (local.get $y) (local.get $height))))
      (return)))
    ;; 4:2:0: the chroma rows are ceil(height / 2) real ones, the nearer one for output row y is y / 2, the further
    ;; one the row above (even y) or below (odd y), clamped to the real rows (jdmainct.c's context pointers)
    (local.set $cw (i32.shr_u (i32.add (local.get $width) (i32.const 1)) (i32.const 1)))
    (local.set $ch (i32.shr_u (i32.add (local.get $height) (i32.const 1)) (i32.const 1)))
    (local.set $upCb (i32.add (local.get $tmp) (i32.and (i32.add (i32.shl (local.get $cw) (i32.const 1)) (i32.const 63)) (i32.const -16))))
    (local.set $upCr (i32.add (local.get $upCb) (i32.and (i32.add (i32.shl (local.get $cw) (i32.const 1)) (i32.const 47)) (i32.const -16))))
    (loop $rows
      (local.set $near (i32.shr_u (local.get $y) (i32.const 1)))
      (local.set $far (select
        (select (i32.sub (local.get $near) (i32.const 1)) (i32.const 0) (local.get $near))
        (select (i32.add (local.get $near) (i32.const 1)) (local.get $near) (i32.lt_u (i32.add (local.get $near) (i32.const 1)) (local.get $ch)))
        (i32.eqz (i32.and (local.get $y) (i32.const 1)))))
      (call $upsampleRow
        (i32.add (i32.load offset=44 (i32.const 13312)) (i32.mul (local.get $near) (local.get $cs)))
        (i32.add (i32.load offset=44 (i32.const 13312)) (i32.mul (local.get $far) (local.get $cs)))
        (local.get $cw) (local.get $upCb) (local.get $tmp))
      (call $upsampleRow
        (i32.add (i32.load offset=76 (i32.const 13312)) (i32.mul (local.get $near) (local.get $cs)))
        (i32.add (i32.load offset=76 (i32.const 13312)) (i32.mul (local.get $far) (local.get $cs)))
        (local.get $cw) (local.get $upCr) (local.get $tmp))
      (call $colourRow (i32.add (i32.load offset=12 (i32.const 13312)) (i32.mul (local.get $y) (local.get $ys)))
        (local.get $upCb) (local.get $upCr) (local.get $width) (local.get $out))
      (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $y) (local.get $height)))))
)
