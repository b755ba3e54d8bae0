using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Building;

/// <summary>Subject DNs encoded as Go's crypto/x509 does for kubeadm: one single-valued RDN per attribute, O before CN,
/// PrintableString where the value allows it (else UTF8String).</summary>
public static class SubjectName
{
    private const string CommonNameOid = "2.5.4.3";
    private const string OrganizationOid = "2.5.4.10";

    public static X500DistinguishedName Create(string commonName, IReadOnlyList<string> organizations)
    {
        var builder = new X500DistinguishedNameBuilder();
        // The builder writes RDNs in the reverse of the order they are added: add CN first so O comes first in DER.
        builder.Add(CommonNameOid, commonName, Encoding(commonName));
        foreach (var organization in organizations.Reverse())
        {
            builder.Add(OrganizationOid, organization, Encoding(organization));
        }
        return builder.Build();
    }

    /// <summary>The CN and O values of a DN, in DER order.</summary>
    public static (string CommonName, IReadOnlyList<string> Organizations) Read(X500DistinguishedName name)
    {
        string commonName = "";
        var organizations = new List<string>();
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            var value = rdn.GetSingleElementValue() ?? "";
            switch (rdn.GetSingleElementType().Value)
            {
                case CommonNameOid:
                    commonName = value;
                    break;
                case OrganizationOid:
                    organizations.Add(value);
                    break;
            }
        }
        return (commonName, organizations);
    }

    private static UniversalTagNumber Encoding(string value) =>
        value.All(IsPrintable) ? UniversalTagNumber.PrintableString : UniversalTagNumber.UTF8String;

    // X.680 PrintableString alphabet, the test Go uses to choose the string type.
    private static bool IsPrintable(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
        or ' ' or '\'' or '(' or ')' or '+' or ',' or '-' or '.' or '/' or ':' or '=' or '?';
}
