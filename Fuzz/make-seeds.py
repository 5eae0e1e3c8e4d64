#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus (Fuzz/seeds): the frame shapes the parser distinguishes.
Each seed: a policy selector byte, an ingress and burst-size byte, then an Ethernet frame."""
import os, struct

def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def eth(ethertype, payload, tags=()):
    frame = bytes.fromhex('525400000002525400000001')
    for tpid, tci in tags: frame += struct.pack('!HH', tpid, tci)
    return frame + struct.pack('!H', ethertype) + payload

def ipv4(proto, l4, tos=0, options=b'', frag=0):
    ihl = 5 + len(options) // 4
    header = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, tos, ihl * 4 + len(l4), 1, frag, 64, proto, 0,
                         bytes([10, 0, 1, 1]), bytes([10, 0, 2, 1])) + options
    header = header[:10] + struct.pack('!H', csum(header)) + header[12:]
    return header + l4

def ipv6(nh, payload, tc=0, chain=b''):
    first = (6 << 28) | (tc << 20) | 0x12345
    return struct.pack('!IHBB', first, len(chain) + len(payload), nh, 64) + bytes(15) + b'\x01' + bytes(15) + b'\x02' + chain + payload

udp = struct.pack('!HHHH', 1234, 5060, 8, 0)
tcp = struct.pack('!HHIIBBHHH', 40000, 443, 1, 0, 0x50, 2, 8192, 0, 0)
seeds = {
    'ipv4-udp': eth(0x0800, ipv4(17, udp, tos=0x01)),
    'ipv4-tcp-ef': eth(0x0800, ipv4(6, tcp, tos=0xb8)),
    'ipv4-options': eth(0x0800, ipv4(17, udp, options=b'\x01\x01\x01\x00')),
    'ipv4-fragment': eth(0x0800, ipv4(17, udp, frag=100)),
    'ipv4-vlan': eth(0x0800, ipv4(17, udp), tags=[(0x8100, 100)]),
    'ipv4-qinq': eth(0x0800, ipv4(6, tcp), tags=[(0x88a8, 200), (0x8100, 100)]),
    'ipv6-udp': eth(0x86dd, ipv6(17, udp, tc=0x2b)),
    'ipv6-extensions': eth(0x86dd, ipv6(0, udp, chain=bytes([43, 0, 0, 0, 0, 0, 0, 0, 44, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 1, 0, 0, 0, 1]))),
    'arp': eth(0x0806, bytes(28)),
    'truncated-ipv4': eth(0x0800, ipv4(17, udp))[:30],
    'runt': bytes(10),
}
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds')
os.makedirs(here, exist_ok=True)
for index, (name, frame) in enumerate(sorted(seeds.items())):
    with open(os.path.join(here, name), 'wb') as f:
        # Byte 0 picks the policy, byte 1 the ingress port (high nibble) and how many variants
        # of the frame join it in a burst (low nibble).
        f.write(bytes([index % 16, ((index * 16) & 0xf0) | (3 + index * 5) % 16]) + frame)
