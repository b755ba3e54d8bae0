namespace KubePki.Controller.Tests.Support;

/// <summary>The test classes that run a <see cref="KubePki.TestKit.ControlPlaneCluster"/>: its nodes use the fixed
/// addresses 127.0.0.11 and up, so two clusters at once would take each other's ports and certificates.</summary>
[CollectionDefinition(Name)]
public sealed class ControlPlaneClusterCollection
{
    public const string Name = "ControlPlaneCluster on 127.0.0.11+";
}
