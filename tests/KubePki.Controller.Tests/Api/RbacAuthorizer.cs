using System.Collections.Concurrent;
using k8s.Models;

namespace KubePki.Controller.Tests.Api;

/// <summary>RBAC as kube-apiserver evaluates it: a request is allowed when a rule of a (Cluster)Role bound to the user
/// (by User, Group or ServiceAccount subject) matches its API group, resource (with "/subresource"), verb and, when the
/// rule lists resourceNames, the object's name. Deny by default. Records which rule verb granted each request and every
/// denial, so tests can prove rules both sufficient and necessary.</summary>
public sealed class RbacAuthorizer : IApiAuthorizer
{
    private readonly List<(
        string Role,
        V1ClusterRoleBinding? Cluster,
        V1RoleBinding? Namespaced,
        IList<V1PolicyRule> Rules
    )> _grants = [];

    public RbacAuthorizer(IEnumerable<object> objects, IReadOnlySet<string>? superGroups = null)
    {
        var all = objects.ToList();
        SuperGroups = superGroups ?? new HashSet<string> { "system:masters", "kubeadm:cluster-admins" };
        var clusterRoles = all.OfType<V1ClusterRole>().ToDictionary(r => r.Metadata.Name);
        var roles = all.OfType<V1Role>().ToDictionary(r => $"{r.Metadata.NamespaceProperty}/{r.Metadata.Name}");
        foreach (var binding in all.OfType<V1ClusterRoleBinding>())
        {
            if (clusterRoles.TryGetValue(binding.RoleRef.Name, out var role) && binding.RoleRef.Kind == "ClusterRole")
            {
                _grants.Add(($"ClusterRole/{role.Metadata.Name}", binding, null, role.Rules ?? []));
            }
        }
        foreach (var binding in all.OfType<V1RoleBinding>())
        {
            var ns = binding.Metadata.NamespaceProperty;
            if (binding.RoleRef.Kind == "Role" && roles.TryGetValue($"{ns}/{binding.RoleRef.Name}", out var role))
            {
                _grants.Add(($"Role/{ns}/{role.Metadata.Name}", null, binding, role.Rules ?? []));
            }
            else if (
                binding.RoleRef.Kind == "ClusterRole"
                && clusterRoles.TryGetValue(binding.RoleRef.Name, out var clusterRole)
            )
            {
                _grants.Add(($"ClusterRole/{clusterRole.Metadata.Name}@{ns}", null, binding, clusterRole.Rules ?? []));
            }
        }
    }

    public IReadOnlySet<string> SuperGroups { get; }

    /// <summary>"Role/rule-index/verb[/resourceName]" for every grant that allowed some request.</summary>
    public ConcurrentDictionary<string, int> Used { get; } = new();

    public ConcurrentQueue<(ApiUser User, ApiAttributes Attributes)> Denied { get; } = new();

    public static string GrantKey(string role, int rule, string verb, string? name) =>
        name is null ? $"{role}/{rule}/{verb}" : $"{role}/{rule}/{verb}/{name}";

    public bool Allows(ApiUser user, ApiAttributes attributes)
    {
        if (user.Groups.Any(SuperGroups.Contains))
        {
            return true;
        }
        foreach (var (role, cluster, namespaced, rules) in _grants)
        {
            var subjects = cluster?.Subjects ?? namespaced!.Subjects ?? [];
            if (namespaced is not null && namespaced.Metadata.NamespaceProperty != attributes.Namespace)
            {
                continue;
            }
            if (!subjects.Any(s => Matches(s, user)))
            {
                continue;
            }
            for (var i = 0; i < rules.Count; i++)
            {
                if (RuleAllows(rules[i], attributes))
                {
                    var named = rules[i].ResourceNames is { Count: > 0 } ? attributes.Name : null;
                    Used.AddOrUpdate(GrantKey(role, i, attributes.Verb, named), 1, (_, n) => n + 1);
                    return true;
                }
            }
        }
        Denied.Enqueue((user, attributes));
        return false;
    }

    private static bool Matches(Rbacv1Subject subject, ApiUser user) =>
        subject.Kind switch
        {
            "User" => subject.Name == user.Name,
            "Group" => user.Groups.Contains(subject.Name),
            "ServiceAccount" => user.Name == $"system:serviceaccount:{subject.NamespaceProperty}:{subject.Name}",
            _ => false,
        };

    public static bool RuleAllows(V1PolicyRule rule, ApiAttributes a)
    {
        var resource = a.Subresource is null ? a.Resource : $"{a.Resource}/{a.Subresource}";
        return Contains(rule.ApiGroups, a.Group)
            && Contains(rule.Resources, resource)
            && Contains(rule.Verbs, a.Verb)
            // A rule naming objects never matches a request without a name (create, list, watch).
            && (
                rule.ResourceNames is not { Count: > 0 } || (a.Name is not null && rule.ResourceNames.Contains(a.Name))
            );
    }

    private static bool Contains(IList<string>? values, string value) =>
        values is not null && (values.Contains(value) || values.Contains("*"));
}
