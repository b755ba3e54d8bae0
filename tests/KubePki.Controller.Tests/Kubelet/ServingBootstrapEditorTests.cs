using KubePki.Kubelet;

namespace KubePki.Controller.Tests.Kubelet;

public class ServingBootstrapEditorTests
{
    [Fact]
    public void A_kubeadm_kubelet_config_gains_only_the_serverTLSBootstrap_line()
    {
        var edit = ServingBootstrapEditor.Enable(KubeletConfigs.Kubeadm, "config.yaml");

        Assert.Equal(KubeletConfigs.Kubeadm + "serverTLSBootstrap: true\n", edit.Text);
        Assert.Equal(["added serverTLSBootstrap: true"], edit.Changes);
    }

    public static TheoryData<string, string, string[]> Edits =>
        new()
        {
            {
                "kind: KubeletConfiguration\nserverTLSBootstrap: false  # off until the approver "
                    + "runs\nrotateCertificates: true\n",
                "kind: KubeletConfiguration\nserverTLSBootstrap: true  # off until the approver "
                    + "runs\nrotateCertificates: true\n",
                ["changed serverTLSBootstrap: false to true"]
            },
            {
                "# header comment\nkind: KubeletConfiguration\nrotateCertificates: false\nserverTLSBootstrap: "
                    + "\"true\"\nsyncFrequency: 0s\n",
                "# header comment\nkind: KubeletConfiguration\nrotateCertificates: true\nserverTLSBootstrap: "
                    + "true\nsyncFrequency: 0s\n",
                ["changed serverTLSBootstrap: \"true\" to true", "changed rotateCertificates: false to true"]
            },
            {
                "kind: KubeletConfiguration\nauthentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt",
                "kind: KubeletConfiguration\nauthentication:\n  x509:\n    clientCAFile: "
                    + "/etc/kubernetes/pki/ca.crt\nserverTLSBootstrap: true\nrotateCertificates: true\n",
                ["added serverTLSBootstrap: true", "added rotateCertificates: true"]
            },
            {
                "---\nkind: KubeletConfiguration\nrotateCertificates: true\n# trailing comment\n...\n",
                "---\nkind: KubeletConfiguration\nrotateCertificates: true\n# trailing comment\nserverTLSBootstrap: "
                    + "true\n...\n",
                ["added serverTLSBootstrap: true"]
            },
        };

    [Theory]
    [MemberData(nameof(Edits))]
    public void Values_are_set_in_place_and_everything_else_is_kept_byte_for_byte(
        string before,
        string after,
        string[] changes
    )
    {
        var edit = ServingBootstrapEditor.Enable(before, "config.yaml");

        Assert.Equal(after, edit.Text);
        Assert.Equal(changes, edit.Changes);
    }

    [Theory]
    [InlineData("kind: KubeletConfiguration\nserverTLSBootstrap: true\nrotateCertificates: true\n")]
    [InlineData("kind: KubeletConfiguration\nrotateCertificates: True\nserverTLSBootstrap: TRUE # already\n")]
    public void An_already_enabled_config_is_left_alone(string text)
    {
        var edit = ServingBootstrapEditor.Enable(text, "config.yaml");

        Assert.False(edit.Changed);
        Assert.Same(text, edit.Text);
    }

    [Theory]
    [InlineData(
        "{\"kind\": \"KubeletConfiguration\"}",
        "config.yaml: a flow-style (JSON) KubeletConfiguration is not supported; convert it to block YAML first"
    )]
    [InlineData(
        "kind: KubeProxyConfiguration\n",
        "config.yaml: kind is \"KubeProxyConfiguration\", expected KubeletConfiguration"
    )]
    [InlineData(
        "kind: KubeletConfiguration\nserverTLSBootstrap:\n  enabled: true\n",
        "config.yaml: serverTLSBootstrap is not a boolean"
    )]
    [InlineData("- a\n- b\n", "config.yaml: the document is not a YAML mapping")]
    public void Configs_it_cannot_edit_safely_are_refused_with_the_reason(string text, string message)
    {
        var e = Assert.Throws<KubePkiException>(() => ServingBootstrapEditor.Enable(text, "config.yaml"));

        Assert.Equal(message, e.Message);
    }

    public static TheoryData<string, string> Hostile =>
        new()
        {
            {
                "kind: KubeletConfiguration\nserverTLSBootstrap: &off false\nrotateCertificates: *off\n",
                "config.yaml: serverTLSBootstrap carries the anchor &off, so other fields may refer to it; "
                    + "write it as a plain true or false first"
            },
            {
                "kind: KubeletConfiguration\nfeatureOff: &f false\nserverTLSBootstrap: *f\n",
                "config.yaml: serverTLSBootstrap is the alias *f; write it as a plain true or false first"
            },
            {
                "kind: KubeletConfiguration\nserverTLSBootstrap: |\n  false\nrotateCertificates: true\n",
                "config.yaml: serverTLSBootstrap is a block scalar (| or >); write it as a plain true or false first"
            },
            {
                "kind: KubeletConfiguration\nrotateCertificates: >-\n  false\n",
                "config.yaml: rotateCertificates is a block scalar (| or >); write it as a plain true or false first"
            },
            {
                "kind: KubeletConfiguration\nserverTLSBootstrap: false\nserverTLSBootstrap: false\n",
                "config.yaml: invalid YAML at line 3: duplicate key \"serverTLSBootstrap\""
            },
            {
                "serverTLSBootstrap: false\nrotateCertificates: true\n",
                "config.yaml: has no \"kind: KubeletConfiguration\"; is it a kubelet config?"
            },
            { "", "config.yaml: has no \"kind: KubeletConfiguration\"; is it a kubelet config?" },
            {
                "kind: KubeletConfiguration\nrotateCertificates: true\n---\nkind: KubeletConfiguration\n",
                "config.yaml: holds more than one YAML document; a kubelet config is exactly one KubeletConfiguration"
            },
        };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Values_a_text_edit_cannot_change_safely_are_refused(string text, string message)
    {
        var e = Assert.Throws<KubePkiException>(() => ServingBootstrapEditor.Enable(text, "config.yaml"));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Invalid_yaml_names_the_source_and_line()
    {
        var e = Assert.Throws<KubePkiException>(() =>
            ServingBootstrapEditor.Enable("kind: KubeletConfiguration\nfoo: [unclosed\n", "config.yaml")
        );

        Assert.StartsWith("config.yaml: invalid YAML at line ", e.Message);
    }
}
