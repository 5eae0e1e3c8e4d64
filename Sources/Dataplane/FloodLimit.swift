/// A port's `flood-limit` as its rx queues' meters apply it: each queue gets an equal share of
/// the rate (RSS spreads a VM's flows over them), and a bucket of 50 ms of that share, at least
/// one burst of 32 frames, so a short burst of ARP or DHCP is never cut.
struct FloodLimit: Equatable {
    let perQueue: Int
    let burst: Int

    init(perSecond: Int, queues: Int) {
        perQueue = max(1, (perSecond + queues - 1) / queues)
        burst = max(32, perQueue / 20)
    }
}
