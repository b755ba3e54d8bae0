using System.Formats.Asn1;
using KubePki.Building;

namespace KubePki.Tests.Building;

public class SubjectNameTests
{
    [Fact]
    public void Organization_comes_before_common_name_each_in_its_own_rdn_as_printable_string()
    {
        var name = SubjectName.Create("kube-apiserver-kubelet-client", ["kubeadm:cluster-admins"]);

        var reader = new AsnReader(name.RawData, AsnEncodingRules.DER).ReadSequence();
        var rdns = new List<(string Oid, Asn1Tag Tag, string Value)>();
        while (reader.HasData)
        {
            var set = reader.ReadSetOf();
            var attribute = set.ReadSequence();
            Assert.False(set.HasData); // single-valued RDN
            var oid = attribute.ReadObjectIdentifier();
            var tag = attribute.PeekTag();
            rdns.Add((oid, tag, attribute.ReadCharacterString((UniversalTagNumber)tag.TagValue)));
        }

        Assert.Equal(
            [
                ("2.5.4.10", new Asn1Tag(UniversalTagNumber.PrintableString), "kubeadm:cluster-admins"),
                ("2.5.4.3", new Asn1Tag(UniversalTagNumber.PrintableString), "kube-apiserver-kubelet-client"),
            ],
            rdns
        );
    }

    [Fact]
    public void Values_outside_the_printable_alphabet_are_utf8()
    {
        var name = SubjectName.Create("user@example", []);
        var reader = new AsnReader(name.RawData, AsnEncodingRules.DER).ReadSequence().ReadSetOf().ReadSequence();
        reader.ReadObjectIdentifier();
        Assert.Equal(new Asn1Tag(UniversalTagNumber.UTF8String), reader.PeekTag());
    }

    [Fact]
    public void Read_returns_common_name_and_organizations_in_order()
    {
        var (cn, orgs) = SubjectName.Read(SubjectName.Create("system:node:a", ["system:nodes", "extra"]));
        Assert.Equal("system:node:a", cn);
        Assert.Equal(["system:nodes", "extra"], orgs);
    }
}
