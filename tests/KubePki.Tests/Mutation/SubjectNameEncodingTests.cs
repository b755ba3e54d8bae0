using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;

namespace KubePki.Tests.Mutation;

/// <summary>Go's crypto/x509 picks PrintableString for a subject value only when every character is in the X.680
/// PrintableString alphabet, else UTF8String; kubeadm's subjects are compared byte for byte with Go's, so the
/// alphabet's edges matter. A DN written by another tool (multi-valued RDNs, other string types) is read attribute
/// by attribute.</summary>
public class SubjectNameEncodingTests
{
    private static Asn1Tag CommonNameTag(string value)
    {
        var name = SubjectName.Create(value, []);
        var attribute = new AsnReader(name.RawData, AsnEncodingRules.DER).ReadSequence().ReadSetOf().ReadSequence();
        Assert.Equal("2.5.4.3", attribute.ReadObjectIdentifier());
        return attribute.PeekTag();
    }

    [Theory]
    [InlineData("abcxyz")]
    [InlineData("ABCXYZ")]
    [InlineData("0123456789")]
    [InlineData("a b")]
    [InlineData("'()+,-./:=?")]
    [InlineData("")]
    public void Values_of_the_printable_alphabet_are_printable_strings(string value)
    {
        Assert.Equal(new Asn1Tag(UniversalTagNumber.PrintableString), CommonNameTag(value));
    }

    // Each one is just outside a range of the alphabet ('`' < 'a', '{' > 'z', '@' < 'A', '[' > 'Z', '/' is in but
    // ';' > '9' is not) or one of the ASCII punctuation marks Go leaves out.
    [Theory]
    [InlineData("`")]
    [InlineData("{")]
    [InlineData("@")]
    [InlineData("[")]
    [InlineData(";")]
    [InlineData("*")]
    [InlineData("_")]
    [InlineData("&")]
    [InlineData("!")]
    [InlineData("\"")]
    [InlineData("é")]
    public void One_character_outside_the_alphabet_makes_the_value_utf8(string outside)
    {
        Assert.Equal(new Asn1Tag(UniversalTagNumber.UTF8String), CommonNameTag("name" + outside));
    }

    [Fact]
    public void Organizations_keep_their_order_and_each_gets_its_own_string_type()
    {
        var name = SubjectName.Create("cn", ["first", "second_group", "third"]);

        var sequence = new AsnReader(name.RawData, AsnEncodingRules.DER).ReadSequence();
        var attributes = new List<(string Oid, UniversalTagNumber Type, string Value)>();
        while (sequence.HasData)
        {
            var attribute = sequence.ReadSetOf().ReadSequence();
            var oid = attribute.ReadObjectIdentifier();
            var type = (UniversalTagNumber)attribute.PeekTag().TagValue;
            attributes.Add((oid, type, attribute.ReadCharacterString(type)));
        }

        Assert.Equal(
            [
                ("2.5.4.10", UniversalTagNumber.PrintableString, "first"),
                ("2.5.4.10", UniversalTagNumber.UTF8String, "second_group"),
                ("2.5.4.10", UniversalTagNumber.PrintableString, "third"),
                ("2.5.4.3", UniversalTagNumber.PrintableString, "cn"),
            ],
            attributes
        );
    }

    private const string Cn = "2.5.4.3";
    private const string O = "2.5.4.10";

    /// <summary>Encodes a DN of the given RDNs (each a SET OF attributes, written in the order given) and reads it
    /// back.</summary>
    private static (string CommonName, IReadOnlyList<string> Organizations) Read(
        AsnEncodingRules rules,
        params Action<AsnWriter>[][] rdns
    )
    {
        var writer = new AsnWriter(rules);
        using (writer.PushSequence())
        {
            foreach (var rdn in rdns)
            {
                using (writer.PushSetOf())
                {
                    foreach (var attribute in rdn)
                    {
                        attribute(writer);
                    }
                }
            }
        }
        return SubjectName.Read(new X500DistinguishedName(writer.Encode()));
    }

    private static Action<AsnWriter> Attribute(string oid, Action<AsnWriter> value) =>
        writer =>
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(oid);
                value(writer);
            }
        };

    private static Action<AsnWriter> Text(string oid, UniversalTagNumber type, string value) =>
        Attribute(oid, writer => writer.WriteCharacterString(type, value));

    private static Action<AsnWriter> Integer(string oid) => Attribute(oid, writer => writer.WriteInteger(7));

    [Fact]
    public void A_multi_valued_rdn_is_read_attribute_by_attribute_and_other_attributes_are_ignored()
    {
        var (commonName, organizations) = Read(
            AsnEncodingRules.DER,
            [
                Text(O, UniversalTagNumber.PrintableString, "org-a"),
                Text("2.5.4.11", UniversalTagNumber.PrintableString, "unit"),
            ],
            [Text(Cn, UniversalTagNumber.UTF8String, "user@example"), Text(O, UniversalTagNumber.IA5String, "org-b")]
        );

        Assert.Equal("user@example", commonName);
        Assert.Equal(["org-a", "org-b"], organizations);
    }

    [Fact]
    public void A_value_that_is_not_a_string_reads_as_empty_and_the_rest_of_the_rdn_is_still_read()
    {
        var (commonName, organizations) = Read(
            AsnEncodingRules.DER,
            [Integer(O), Text(Cn, UniversalTagNumber.PrintableString, "node")]
        );

        Assert.Equal("node", commonName);
        Assert.Equal([""], organizations);
    }

    [Fact]
    public void A_single_attribute_rdn_whose_value_is_not_a_string_reads_as_empty()
    {
        var (commonName, organizations) = Read(AsnEncodingRules.DER, [Integer(O)]);

        Assert.Equal("", commonName);
        Assert.Equal([""], organizations);
    }

    [Fact]
    public void A_multi_valued_rdn_out_of_der_order_is_still_read()
    {
        // BER leaves a SET OF in the order written: O before CN is not DER's order.
        var (commonName, organizations) = Read(
            AsnEncodingRules.BER,
            [Text(O, UniversalTagNumber.PrintableString, "org"), Text(Cn, UniversalTagNumber.PrintableString, "node")]
        );

        Assert.Equal("node", commonName);
        Assert.Equal(["org"], organizations);
    }

    [Fact]
    public void A_value_with_a_context_tag_is_not_read_as_the_universal_type_of_the_same_number()
    {
        // [12], the number of UTF8String, but context-specific.
        var contextTagged = Attribute(
            O,
            writer =>
                writer.WriteCharacterString(
                    UniversalTagNumber.UTF8String,
                    "tagged",
                    new Asn1Tag(TagClass.ContextSpecific, 12)
                )
        );
        var (commonName, organizations) = Read(
            AsnEncodingRules.DER,
            [contextTagged, Text(Cn, UniversalTagNumber.PrintableString, "node")]
        );

        Assert.Equal("node", commonName);
        Assert.Equal([""], organizations);
    }

    [Fact]
    public void A_subject_without_common_name_reads_as_an_empty_one()
    {
        var (commonName, organizations) = SubjectName.Read(new X500DistinguishedName("O=only"));

        Assert.Equal("", commonName);
        Assert.Equal(["only"], organizations);
    }
}
