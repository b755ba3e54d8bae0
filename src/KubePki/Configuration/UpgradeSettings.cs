namespace KubePki.Configuration;

/// <summary>What an UpgradeConfiguration sets for the static-pod step of an upgrade; null where it is silent (the
/// flag's default then applies, kubeadm's being true, true and 5m0s).</summary>
/// <param name="CertificateRenewal"><c>apply.certificateRenewal</c>.</param>
/// <param name="EtcdUpgrade"><c>apply.etcdUpgrade</c>.</param>
/// <param name="UpgradeManifests"><c>timeouts.upgradeManifests</c>: how long to wait for each component.</param>
internal sealed record UpgradeSettings(bool? CertificateRenewal, bool? EtcdUpgrade, TimeSpan? UpgradeManifests);
