"""The SIMD test snippets: (group, assembly).  tests/simd_expect.py runs
them in Unicorn; tests/test_simd.c and tests/test_simd_ldst.c in libarmgpu.
V0-V4 hold boundary patterns (see simd_expect.py); data is at 0x10000."""

B = "mov x1, #0x10000\nadd x2, x1, #0x200\n"  # x1: data, x2: where stores go

CASES = [
    # ---------------------------------------------------------------- loads and stores
    ("ldst.single", B + """ldr b5, [x1]
ldr h6, [x1, #2]
ldr s7, [x1, #4]
ldr d8, [x1, #8]
ldr q9, [x1, #16]
ldr q10, [x1, #4080]
ldr b11, [x1, #1023]
ldr s12, [x1, #1020]"""),
    ("ldst.single", B + """str b0, [x2]
str h1, [x2, #2]
str s2, [x2, #4]
str d3, [x2, #8]
str q4, [x2, #16]
str q1, [x2, #48]
stur q2, [x2, #65]
stur s3, [x2, #-3]
ldur q13, [x1, #-1]
ldur d14, [x1, #255]
ldur h15, [x1, #-256]"""),
    ("ldst.index", B + """ldr q5, [x1], #16
ldr d6, [x1, #8]!
ldr s7, [x1], #-4
ldr h8, [x1, #-2]!
ldr b9, [x1], #255
str q0, [x2, #32]!
str d1, [x2], #-8
str b3, [x2, #1]!
str h4, [x2], #3
mov x3, x1
mov x4, x2"""),
    ("ldst.regoff", B + """mov x3, #3
mov x4, #-2
ldr q5, [x1, x3, lsl #4]
ldr d6, [x1, x3, lsl #3]
ldr s7, [x1, w4, sxtw #2]
ldr h8, [x1, x3]
ldr b9, [x1, w3, uxtw]
ldr q10, [x1, x4, sxtx]
str q1, [x2, x3, lsl #4]
str s2, [x2, w4, sxtw]
str b0, [x2, x3]
str d4, [x2, x3, lsl #3]"""),
    ("ldst.pair", B + """ldp s5, s6, [x1]
ldp d7, d8, [x1, #16]
ldp q9, q10, [x1, #32]
ldp q11, q12, [x1, #-64]
ldnp q13, q14, [x1, #128]
ldnp d15, d16, [x1, #8]
ldnp s17, s18, [x1, #4]
ldp q19, q20, [x1, #32]!
ldp d21, d22, [x1], #-16
stp q0, q1, [x2]
stp d2, d3, [x2, #32]
stp s4, s0, [x2, #48]!
stnp q3, q4, [x2, #64]
stp d1, d4, [x2], #-24
mov x3, x1
mov x4, x2"""),
    ("ldst.literal", """ldr s5, lit
ldr d6, lit + 4
ldr q7, lit + 8
ldr q8, lit
b end
lit: .quad 0x0123456789abcdef, 0xfedcba9876543210, 0x1122334455667788, 0x99aabbccddeeff00
end: nop"""),
    ("ldst.struct", B + """ld1 {v5.16b}, [x1]
ld1 {v6.8b, v7.8b}, [x1]
ld1 {v8.4s, v9.4s, v10.4s}, [x1]
ld1 {v11.2d, v12.2d, v13.2d, v14.2d}, [x1]
ld1 {v15.4h}, [x1]
ld1 {v30.1d, v31.1d, v0.1d}, [x1]
ld2 {v16.8h, v17.8h}, [x1]
ld2 {v18.2s, v19.2s}, [x1]
ld3 {v20.16b, v21.16b, v22.16b}, [x1]
ld3 {v23.4h, v24.4h, v25.4h}, [x1]
ld4 {v26.4s, v27.4s, v28.4s, v29.4s}, [x1]"""),
    ("ldst.struct", B + """ld4 {v5.8b, v6.8b, v7.8b, v8.8b}, [x1]
ld4 {v9.2d, v10.2d, v11.2d, v12.2d}, [x1]
ld3 {v13.2d, v14.2d, v15.2d}, [x1]
ld2 {v16.16b, v17.16b}, [x1]
st1 {v0.16b}, [x2]
add x6, x2, #16
st1 {v1.8b, v2.8b}, [x6]
mov x3, x2
st2 {v3.4s, v4.4s}, [x3], #32
st3 {v0.8h, v1.8h, v2.8h}, [x3], #48
st4 {v1.8b, v2.8b, v3.8b, v4.8b}, [x3], #32
st1 {v0.2d, v1.2d, v2.2d, v3.2d}, [x3]
mov x4, #-16
st1 {v4.1d}, [x3], x4
ld1 {v18.16b, v19.16b}, [x1], #32
mov x5, #5
ld1 {v20.4s}, [x1], x5
ld2 {v21.4h, v22.4h}, [x1], #16"""),
    ("ldst.lane", B + """ld1 {v0.b}[15], [x1]
ld1 {v1.h}[3], [x1]
ld1 {v2.s}[2], [x1]
ld1 {v3.d}[1], [x1]
ld2 {v5.b, v6.b}[9], [x1]
ld3 {v7.h, v8.h, v9.h}[7], [x1]
ld4 {v10.s, v11.s, v12.s, v13.s}[1], [x1]
ld4 {v30.d, v31.d, v0.d, v1.d}[0], [x1]
ld1r {v14.16b}, [x1]
ld1r {v15.4h}, [x1]
ld1r {v16.2s}, [x1]
ld1r {v17.2d}, [x1]
ld2r {v18.8h, v19.8h}, [x1]
ld3r {v20.4s, v21.4s, v22.4s}, [x1]
ld4r {v23.1d, v24.1d, v25.1d, v26.1d}, [x1]
ld1r {v27.8b}, [x1], #1
ld2r {v28.2d, v29.2d}, [x1], #16"""),
    ("ldst.lane", B + """st1 {v0.b}[15], [x2]
add x6, x2, #1
st1 {v1.h}[3], [x6]
mov x3, x2
add x3, x3, #8
st1 {v2.s}[3], [x3], #4
st1 {v3.d}[1], [x3], #8
st2 {v4.b, v5.b}[7], [x3], #2
st3 {v1.h, v2.h, v3.h}[5], [x3], #6
st4 {v0.s, v1.s, v2.s, v3.s}[2], [x3], #16
mov x4, #-3
st4 {v1.d, v2.d, v3.d, v4.d}[1], [x3], x4
mov x5, x3"""),
    # ---------------------------------------------------------------- data processing
    ("modimm", """movi v5.16b, #0xab
movi v6.8b, #0x7f
movi v7.4h, #0x12, lsl #8
movi v8.4s, #0x34, lsl #16
movi v9.2s, #0x56, msl #8
movi v10.4s, #0x78, msl #16
movi d11, #0xff00ff0000ffff00
movi v12.2d, #0x00ff00ff00ff00ff
mvni v13.4s, #0x12, lsl #24
mvni v14.8h, #0x34
mvni v15.2s, #0x56, msl #16
orr v0.4s, #0x12, lsl #8
bic v1.8h, #0x80, lsl #8
orr v2.4h, #0x1
bic v3.2s, #0xff
fmov v16.4s, #1.0
fmov v17.2s, #-0.125
fmov v18.2d, #31.0
.arch armv8.2-a+fp16
fmov v19.8h, #-2.5
fmov v20.4h, #0.1875"""),
    ("copy", """dup v5.16b, v1.b[7]
dup v6.4h, v2.h[3]
dup v7.4s, v3.s[1]
dup v8.2d, v4.d[1]
dup v9.8b, w2
mov x9, #0x1234
movk x9, #0xabcd, lsl #48
dup v10.8h, w9
dup v11.2s, w9
dup v12.2d, x9
mov v13.16b, v1.16b
ins v13.b[3], w9
ins v13.h[7], w9
ins v13.s[2], w9
ins v13.d[0], x9
mov v14.16b, v2.16b
ins v14.b[15], v1.b[0]
ins v14.h[1], v0.h[7]
ins v14.s[0], v3.s[3]
ins v14.d[1], v4.d[0]
umov w10, v1.b[2]
umov w11, v1.h[5]
mov w12, v2.s[1]
mov x13, v1.d[1]
smov w14, v1.b[1]
smov x15, v1.h[6]
smov x16, v2.s[1]
smov w17, v1.h[1]
mov b15, v1.b[9]
mov h16, v1.h[6]
mov s17, v2.s[3]
mov d18, v4.d[1]"""),
    ("permute", """tbl v5.16b, {v1.16b}, v3.16b
tbl v6.8b, {v1.16b, v2.16b}, v3.8b
tbx v7.16b, {v30.16b, v31.16b, v0.16b}, v3.16b
tbx v8.8b, {v1.16b, v2.16b, v3.16b, v4.16b}, v3.8b
tbl v9.16b, {v2.16b, v3.16b, v4.16b, v5.16b}, v4.16b
zip1 v10.16b, v1.16b, v2.16b
zip2 v11.8h, v1.8h, v2.8h
zip1 v12.2s, v1.2s, v2.2s
zip2 v13.2d, v1.2d, v2.2d
uzp1 v14.16b, v1.16b, v2.16b
uzp2 v15.4h, v1.4h, v2.4h
uzp1 v16.4s, v1.4s, v2.4s
uzp2 v17.8b, v1.8b, v2.8b
trn1 v18.8h, v1.8h, v2.8h
trn2 v19.16b, v1.16b, v2.16b
trn1 v20.2s, v1.2s, v2.2s
trn2 v21.2d, v1.2d, v2.2d
ext v22.16b, v1.16b, v2.16b, #3
ext v23.8b, v1.8b, v2.8b, #7
ext v24.16b, v1.16b, v2.16b, #15
rev64 v25.16b, v1.16b
rev32 v26.8h, v1.8h
rev16 v27.8b, v1.8b
rev64 v28.4s, v2.4s"""),
    ("logic", """and v5.16b, v1.16b, v2.16b
orr v6.8b, v1.8b, v2.8b
orn v7.16b, v1.16b, v2.16b
eor v8.16b, v1.16b, v2.16b
bic v9.8b, v1.8b, v2.8b
mov v10.16b, v3.16b
bsl v10.16b, v1.16b, v2.16b
mov v11.16b, v3.16b
bit v11.16b, v1.16b, v2.16b
mov v12.16b, v3.16b
bif v12.8b, v1.8b, v2.8b
not v13.16b, v1.16b
not v14.8b, v2.8b
cnt v15.16b, v1.16b
cnt v16.8b, v2.8b
rbit v17.16b, v1.16b
mov v18.8b, v1.8b"""),
    ("arith", """add v5.16b, v1.16b, v2.16b
add v6.4h, v1.4h, v2.4h
add v7.2d, v1.2d, v2.2d
sub v8.4s, v1.4s, v2.4s
sub v9.8b, v1.8b, v2.8b
mul v10.8h, v1.8h, v2.8h
mul v11.2s, v1.2s, v2.2s
mul v12.16b, v1.16b, v2.16b
mov v13.16b, v3.16b
mla v13.4s, v1.4s, v2.4s
mov v14.16b, v3.16b
mls v14.8b, v1.8b, v2.8b
mul v15.4h, v1.4h, v2.h[5]
mul v16.4s, v1.4s, v2.s[3]
mov v17.16b, v3.16b
mla v17.8h, v1.8h, v2.h[7]
mov v18.16b, v3.16b
mls v18.2s, v1.2s, v2.s[1]
mul v19.8h, v1.8h, v15.h[2]
abs v20.16b, v1.16b
abs v21.2d, v0.2d
neg v22.8h, v1.8h
neg v23.2s, v2.2s
pmul v24.16b, v1.16b, v2.16b
add d25, d1, d2
sub d26, d1, d2
abs d27, d0
neg d28, d0"""),
    ("minmax", """umax v5.16b, v1.16b, v2.16b
umin v6.8h, v1.8h, v2.8h
smax v7.4s, v1.4s, v2.4s
smin v8.8b, v1.8b, v2.8b
uabd v9.16b, v1.16b, v2.16b
sabd v10.4h, v1.4h, v2.4h
sabd v11.4s, v1.4s, v2.4s
mov v12.16b, v3.16b
uaba v12.8h, v1.8h, v2.8h
shadd v13.16b, v1.16b, v2.16b
urhadd v14.4s, v1.4s, v2.4s
uhsub v15.8h, v1.8h, v2.8h
srhadd v16.8b, v1.8b, v2.8b
addp v17.16b, v1.16b, v2.16b
addp v18.2d, v1.2d, v2.2d
addp v19.2s, v1.2s, v2.2s
umaxp v20.8h, v1.8h, v2.8h
uminp v21.4s, v1.4s, v2.4s
smaxp v22.8b, v1.8b, v2.8b
sminp v23.16b, v1.16b, v2.16b
addp d24, v1.2d
addv b25, v1.16b
addv h26, v1.4h
addv s27, v2.4s
umaxv b28, v1.8b
uminv h29, v1.8h
smaxv s30, v2.4s
sminv b31, v1.16b"""),
    ("across", """uaddlv h5, v1.16b
saddlv h6, v1.8b
uaddlv s7, v1.8h
saddlv d8, v2.4s
smaxv h9, v1.4h
sminv h10, v1.8h
umaxv s11, v2.4s
uminv b12, v1.16b
saddlp v13.8h, v1.16b
uaddlp v14.2d, v2.4s
mov v15.16b, v3.16b
sadalp v15.4h, v1.8b
mov v16.16b, v3.16b
uadalp v16.4s, v1.8h
clz v17.16b, v1.16b
cls v18.8h, v1.8h
clz v19.4s, v2.4s
cls v20.2s, v0.2s"""),
    ("compare", """cmeq v5.16b, v1.16b, v2.16b
cmge v6.8h, v1.8h, v2.8h
cmgt v7.4s, v1.4s, v2.4s
cmhi v8.8b, v1.8b, v2.8b
cmhs v9.2d, v1.2d, v2.2d
cmtst v10.16b, v1.16b, v2.16b
cmeq v11.8h, v1.8h, #0
cmge v12.4s, v1.4s, #0
cmgt v13.16b, v1.16b, #0
cmle v14.4h, v1.4h, #0
cmlt v15.2d, v0.2d, #0
cmeq d16, d1, d2
cmgt d17, d0, d1
cmge d18, d1, d1
cmhi d19, d0, d1
cmhs d20, d1, d0
cmtst d21, d1, d2
cmeq d22, d3, #0
cmlt d23, d0, #0
cmle d24, d1, #0
cmgt d25, d1, #0
cmge d26, d0, #0
cmhs v27.16b, v1.16b, v1.16b"""),
    ("widen", """uaddl v5.8h, v1.8b, v2.8b
saddl2 v6.4s, v1.8h, v2.8h
uaddw v7.2d, v1.2d, v2.2s
saddw2 v8.8h, v1.8h, v2.16b
usubl v9.4s, v1.4h, v2.4h
ssubl2 v10.2d, v1.4s, v2.4s
usubw2 v11.4s, v1.4s, v2.8h
ssubw v12.8h, v1.8h, v2.8b
umull v13.8h, v1.8b, v2.8b
smull2 v14.4s, v1.8h, v2.8h
smull v15.2d, v1.2s, v2.2s
mov v16.16b, v3.16b
umlal v16.4s, v1.4h, v2.4h
mov v17.16b, v3.16b
smlal2 v17.2d, v1.4s, v2.4s
mov v18.16b, v3.16b
umlsl v18.8h, v1.8b, v2.8b
uabdl v19.8h, v1.8b, v2.8b
sabdl2 v20.4s, v1.8h, v2.8h
mov v21.16b, v3.16b
uabal v21.2d, v1.2s, v2.2s
smull v22.4s, v1.4h, v2.h[3]
umull2 v23.2d, v1.4s, v2.s[2]
mov v24.16b, v3.16b
smlal v24.4s, v1.4h, v2.h[1]
mov v25.16b, v3.16b
umlsl2 v25.2d, v1.4s, v2.s[0]
uxtl v26.8h, v1.8b
sxtl2 v27.4s, v1.8h
sxtl v28.2d, v2.2s
ushll v29.4s, v1.4h, #5
sshll2 v30.8h, v1.16b, #7
shll v31.4s, v1.4h, #16"""),
    ("narrow", """xtn v5.8b, v1.8h
mov v6.16b, v3.16b
xtn2 v6.4s, v2.2d
xtn v7.4h, v1.4s
addhn v8.8b, v1.8h, v2.8h
mov v9.16b, v3.16b
addhn2 v9.8h, v1.4s, v2.4s
raddhn v10.2s, v1.2d, v2.2d
subhn v11.4h, v1.4s, v2.4s
rsubhn v12.8b, v1.8h, v2.8h
shrn v13.8b, v1.8h, #3
mov v14.16b, v3.16b
rshrn2 v14.8h, v1.4s, #16
rshrn v15.2s, v2.2d, #1
shrn v16.4h, v2.4s, #9
sqshrn v17.8b, v1.8h, #2
uqshrn v18.4h, v1.4s, #4
sqrshrn v19.2s, v2.2d, #7
uqrshrn v20.8b, v1.8h, #1
sqshrun v21.4h, v1.4s, #3
sqrshrun v22.8b, v1.8h, #8"""),
    ("sat", """msr fpsr, xzr
sqxtn v5.8b, v1.8h
mrs x5, fpsr
msr fpsr, xzr
uqxtn v6.4h, v4.4s
mrs x6, fpsr
msr fpsr, xzr
sqxtun v7.2s, v2.2d
mrs x7, fpsr
msr fpsr, xzr
mov v8.16b, v3.16b
sqxtn2 v8.16b, v4.8h
mrs x8, fpsr
msr fpsr, xzr
uqadd v9.16b, v1.16b, v2.16b
mrs x9, fpsr
msr fpsr, xzr
sqadd v10.8h, v1.8h, v2.8h
mrs x10, fpsr
msr fpsr, xzr
uqsub v11.4s, v1.4s, v2.4s
mrs x11, fpsr
msr fpsr, xzr
sqsub v12.2d, v0.2d, v2.2d
mrs x12, fpsr
msr fpsr, xzr
sqadd v13.2d, v0.2d, v0.2d
mrs x13, fpsr
msr fpsr, xzr
uqadd v14.2d, v4.2d, v4.2d
mrs x14, fpsr
msr fpsr, xzr
sqabs v15.16b, v1.16b
mrs x15, fpsr
msr fpsr, xzr
sqneg v16.2d, v0.2d
mrs x16, fpsr
msr fpsr, xzr
sqadd b17, b1, b2
mrs x17, fpsr
msr fpsr, xzr
uqsub h18, h1, h2
mrs x18, fpsr
msr fpsr, xzr
sqxtn s19, d2
mrs x19, fpsr
msr fpsr, xzr
uqxtn b20, h1
mrs x20, fpsr
msr fpsr, xzr
sqxtun h21, s1
mrs x21, fpsr
msr fpsr, xzr
sqabs d22, d0
mrs x22, fpsr
msr fpsr, xzr
sqneg s23, s1
mrs x23, fpsr
msr fpsr, xzr
uqadd d24, d3, d4
mrs x24, fpsr
msr fpsr, xzr
sqsub h25, h0, h1
mrs x25, fpsr"""),
    ("shift", """shl v5.16b, v1.16b, #3
shl v6.2d, v1.2d, #63
ushr v7.8h, v1.8h, #16
sshr v8.4s, v1.4s, #31
sshr v9.2d, v0.2d, #64
ushr v10.2d, v0.2d, #64
mov v11.16b, v3.16b
usra v11.8b, v1.8b, #1
mov v12.16b, v3.16b
ssra v12.4h, v1.4h, #15
urshr v13.16b, v1.16b, #8
srshr v14.2d, v0.2d, #64
urshr v15.2d, v0.2d, #64
mov v16.16b, v3.16b
ursra v16.4s, v1.4s, #7
mov v17.16b, v3.16b
srsra v17.8h, v1.8h, #2
mov v18.16b, v3.16b
sli v18.16b, v1.16b, #5
mov v19.16b, v3.16b
sri v19.4s, v1.4s, #9
mov v20.16b, v3.16b
sri v20.8b, v1.8b, #8
mov v21.16b, v3.16b
sli v21.2d, v1.2d, #0
ushl v22.16b, v1.16b, v4.16b
sshl v23.8h, v1.8h, v4.8h
ushl v24.4s, v2.4s, v1.4s
sshl v25.2d, v0.2d, v4.2d
shl d26, d1, #17
ushr d27, d0, #3
sshr d28, d0, #64
mov v29.16b, v3.16b
ssra d29, d1, #5
mov v30.16b, v3.16b
sli d30, d1, #60
mov v31.16b, v3.16b
sri d31, d1, #64"""),
    ("shift", """ushl d5, d1, d4
sshl d6, d0, d2
urshr d7, d1, #1
srsra d8, d0, #63
usra d9, d1, #64
sshr v10.4s, v2.4s, #1
mov v11.16b, v3.16b
ursra d11, d0, #64
sshl v12.16b, v1.16b, v3.16b
ushl v13.4h, v1.4h, v0.4h"""),
    ("satshift", """msr fpsr, xzr
sqshl v5.16b, v1.16b, v4.16b
uqshl v6.8h, v1.8h, v4.8h
srshl v7.4s, v2.4s, v3.4s
urshl v8.2d, v0.2d, v4.2d
sqrshl v9.8h, v1.8h, v3.8h
uqrshl v10.4s, v1.4s, v4.4s
mrs x5, fpsr
msr fpsr, xzr
sqshl v11.4s, v1.4s, #7
uqshl v12.16b, v1.16b, #3
sqshlu v13.8h, v1.8h, #2
sqshl d14, d0, #1
uqshl b15, b1, #5
sqshlu s16, s2, #31
sqshl h17, h1, h4
uqrshl d18, d1, d4
srshl d19, d0, d3
urshl d20, d1, d4
sqshrn b21, h1, #3
uqrshrn h22, s1, #9
sqrshrun s23, d2, #17
mrs x6, fpsr
msr fpsr, xzr
mov v24.16b, v3.16b
suqadd v24.16b, v1.16b
mov v25.16b, v0.16b
usqadd v25.2d, v0.2d
mov v26.16b, v2.16b
suqadd d26, d0
mov v27.16b, v4.16b
usqadd h27, h1
mrs x7, fpsr"""),
    ("sqdmul", """msr fpsr, xzr
sqdmulh v5.8h, v1.8h, v2.8h
sqrdmulh v6.4s, v1.4s, v2.4s
sqdmulh v7.4h, v1.4h, v1.h[0]
sqrdmulh v8.2s, v2.2s, v2.s[1]
sqdmulh h9, h1, h1
sqrdmulh s10, s2, v2.s[1]
mrs x5, fpsr
msr fpsr, xzr
sqdmull v11.4s, v1.4h, v1.4h
sqdmull2 v12.2d, v2.4s, v2.4s
mov v13.16b, v3.16b
sqdmlal v13.4s, v1.4h, v2.4h
mov v14.16b, v0.16b
sqdmlsl2 v14.2d, v2.4s, v1.4s
sqdmull v15.2d, v2.2s, v2.s[1]
mov v16.16b, v3.16b
sqdmlal2 v16.4s, v1.8h, v1.h[3]
sqdmull s17, h1, h1
sqdmull d18, s2, v2.s[1]
mov v19.16b, v0.16b
sqdmlal d19, s2, s2
mrs x6, fpsr
pmull v20.8h, v1.8b, v2.8b
pmull2 v21.8h, v1.16b, v2.16b
.arch armv8-a+crypto
pmull v22.1q, v1.1d, v2.1d
pmull2 v23.1q, v1.2d, v4.2d"""),
    ("fpvec", """fmov v5.4s, #1.5
fmov v6.4s, #-3.0
fmov v7.2d, #0.25
fmov v8.2d, #-7.0
mov v5.s[1], v1.s[1]
mov v6.s[3], v0.s[2]
msr fpsr, xzr
fadd v9.4s, v5.4s, v6.4s
fsub v10.2d, v7.2d, v8.2d
fmul v11.2s, v5.2s, v6.2s
fdiv v12.2d, v8.2d, v7.2d
mov v13.16b, v3.16b
fmla v13.4s, v5.4s, v6.4s
mov v14.16b, v7.16b
fmls v14.2d, v8.2d, v7.d[1]
fmul v15.4s, v5.4s, v6.s[0]
fmulx d16, d7, v8.d[0]
fmax v17.4s, v5.4s, v6.4s
fminnm v18.4s, v5.4s, v6.4s
fabd v19.2d, v7.2d, v8.2d
faddp v20.4s, v5.4s, v6.4s
fmaxnmv s21, v5.4s
faddp d22, v8.2d
fcmgt v23.4s, v5.4s, v6.4s
fcmeq v24.2d, v7.2d, #0.0
facge s25, s5, s6
fsqrt v26.2d, v7.2d
frintm v27.4s, v6.4s
fcvtzs v28.4s, v6.4s
scvtf v29.2d, v4.2d
fcvtl v30.2d, v5.2s
fcvtn v31.4h, v6.4s
mrs x5, fpsr
msr fpsr, xzr
ucvtf v0.4s, v4.4s, #3
fcvtzu d1, d8, #10
fcvtxn s2, d8
frecpe v3.2s, v5.2s
frsqrts v4.4s, v5.4s, v6.4s
mrs x6, fpsr
urecpe v7.4s, v1.4s
ursqrte v8.2s, v2.2s"""),
]
