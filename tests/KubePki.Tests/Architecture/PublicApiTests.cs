using System.Reflection;
using System.Runtime.CompilerServices;
using System.Xml.Linq;

namespace KubePki.Tests.Architecture;

/// <summary>The library's public surface is what src/KubePki/PublicAPI.*.txt declares, and all of it is documented.
/// The build already enforces both (PublicApiAnalyzers' RS0016/RS0017 and CS1591 are errors there); these tests look
/// at the built assembly and its XML documentation file, so they also fail if those checks are switched off, and they
/// catch what CS1591 lets through: a positional record parameter without a <c>param</c> tag.</summary>
public class PublicApiTests
{
    private static readonly Assembly Library = typeof(KubePkiException).Assembly;

    [Fact]
    public void The_exported_types_are_exactly_the_tracked_ones()
    {
        var exported = Library.GetExportedTypes().Select(TypeName).Order(StringComparer.Ordinal).ToList();
        var declared = TrackedApi()
            .Where(line =>
                !line.Contains(' ', StringComparison.Ordinal) && !line.Contains('(', StringComparison.Ordinal)
            )
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(exported.Count >= 20, $"only {exported.Count} exported types in {Library.GetName().Name}");
        Assert.Equal(declared, exported);
    }

    [Fact]
    public void Every_public_member_is_tracked()
    {
        var api = TrackedApi();
        var untracked = PublicMembers()
            .Select(m => $"{TypeName(m.DeclaringType!)}.{MemberName(m)}")
            .Where(name => !api.Any(line => Declares(line, name)))
            .ToList();

        Assert.True(untracked.Count == 0, "not in PublicAPI.*.txt:\n" + string.Join("\n", untracked));
    }

    /// <summary>A positional record compiles its fields into a public constructor and <c>Deconstruct</c>, so adding
    /// a field breaks every compiled caller: the public types carry init-only properties instead.</summary>
    [Fact]
    public void No_public_type_is_a_positional_record()
    {
        var positional = Library
            .GetExportedTypes()
            .Where(t => t.GetMethod("Deconstruct", BindingFlags.Public | BindingFlags.Instance) is not null)
            .Select(TypeName)
            .ToList();

        Assert.True(positional.Count == 0, "positional public records: " + string.Join(", ", positional));
    }

    [Fact]
    public void Every_public_type_and_member_is_documented()
    {
        var path = Path.ChangeExtension(Library.Location, ".xml");
        Assert.True(File.Exists(path), $"no XML documentation file next to {Library.Location}");
        var documented = XDocument
            .Load(path)
            .Descendants("member")
            .Where(m => m.HasElements || m.Value.Trim().Length > 0)
            .Select(m => (string)m.Attribute("name")!)
            .ToList();

        var missing = Library
            .GetExportedTypes()
            .Select(t => "T:" + t.FullName!.Replace('+', '.'))
            // A parameterless constructor may be the implicit one of a class with only init properties: nothing to say
            // beyond the type's summary, and no way to document it.
            .Concat(
                PublicMembers()
                    .Where(m => m is not ConstructorInfo c || c.GetParameters().Length > 0)
                    .Select(DocumentationPrefix)
            )
            .Where(id => !documented.Any(d => d == id || d.StartsWith(id + "(", StringComparison.Ordinal)))
            .ToList();

        Assert.True(missing.Count == 0, "no XML documentation:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void A_member_missing_from_the_tracked_api_is_found()
    {
        Assert.DoesNotContain(TrackedApi(), line => Declares(line, "KubePki.KubePkiException.NotThere"));
        Assert.Contains(TrackedApi(), line => Declares(line, "KubePki.Storage.DiskFileStore.Instance"));
    }

    private static List<string> TrackedApi() =>
        new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" }
            .SelectMany(f => File.ReadAllLines(Path.Combine(SourceTree.Root, "src", "KubePki", f)))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.StartsWith("*REMOVED*", StringComparison.Ordinal) ? "" : line)
            .ToList();

    /// <summary>A PublicAPI line declares "Type.Member" when it names it as the symbol itself (not as a type in a
    /// signature): after the modifiers, followed by a parameter list or an accessor, or alone.</summary>
    private static bool Declares(string line, string name)
    {
        var symbol =
            line.Split(' ')
                .SkipWhile(w => w is "static" or "abstract" or "virtual" or "override" or "const")
                .FirstOrDefault()
            ?? "";
        return symbol == name
            || symbol.StartsWith(name + "(", StringComparison.Ordinal)
            || symbol.StartsWith(name + ".get", StringComparison.Ordinal)
            || symbol.StartsWith(name + ".init", StringComparison.Ordinal)
            || symbol.StartsWith(name + ".set", StringComparison.Ordinal);
    }

    /// <summary>Public and protected members declared by the exported types, without what the compiler generates
    /// (record equality, cloning, printing) and without accessors and operators (their property or operator
    /// counts).</summary>
    private static IEnumerable<MemberInfo> PublicMembers() =>
        Library
            .GetExportedTypes()
            .SelectMany(t =>
                t.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
                    .Where(m => m.DeclaringType == t)
            )
            .Where(IsVisible)
            .Where(m => m.GetCustomAttribute<CompilerGeneratedAttribute>() is null)
            .Where(m => m is not MethodBase { IsSpecialName: true } || m is ConstructorInfo)
            .Where(m => m is not FieldInfo { IsSpecialName: true })
            .Where(m => m is not Type)
            .Where(m => m.Name is not ("Equals" or "GetHashCode" or "ToString" or "PrintMembers" or "Deconstruct"));

    private static bool IsVisible(MemberInfo member) =>
        member switch
        {
            MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
            FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
            PropertyInfo p => p.GetAccessors(nonPublic: true).Any(IsVisible),
            _ => false,
        };

    private static string TypeName(Type type) => type.FullName!.Replace('+', '.');

    private static string MemberName(MemberInfo member) =>
        member is ConstructorInfo ? member.DeclaringType!.Name : member.Name;

    private static string DocumentationPrefix(MemberInfo member)
    {
        var owner = TypeName(member.DeclaringType!);
        return member switch
        {
            ConstructorInfo => $"M:{owner}.#ctor",
            MethodInfo m => $"M:{owner}.{m.Name}",
            PropertyInfo p => $"P:{owner}.{p.Name}",
            FieldInfo f => $"F:{owner}.{f.Name}",
            _ => $"?:{owner}.{member.Name}",
        };
    }
}
