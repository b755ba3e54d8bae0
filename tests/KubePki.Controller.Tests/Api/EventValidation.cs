using k8s.Models;

namespace KubePki.Controller.Tests.Api;

/// <summary>What kube-apiserver checks on a core/v1 Event (the legacy validation every Event passes) and the field
/// labels its field selectors take.</summary>
public static class EventValidation
{
    public static void ThrowIfInvalid(Corev1Event e)
    {
        var causes = new List<string>();
        var ns = e.Metadata.NamespaceProperty ?? "";
        var involvedNs = e.InvolvedObject?.NamespaceProperty ?? "";
        if (e.EventTime is null)
        {
            // An Event about a cluster-scoped object (a Node) lives in "default" (or no namespace); about a namespaced
            // one, in that object's namespace.
            if (involvedNs.Length == 0 ? ns is not ("" or "default") : ns != involvedNs)
            {
                causes.Add(
                    $"involvedObject.namespace: Invalid value: \"{involvedNs}\": does not match event.namespace"
                );
            }
        }
        else
        {
            if (involvedNs.Length == 0 && ns is not ("default" or "kube-system"))
            {
                causes.Add(
                    $"involvedObject.namespace: Invalid value: \"{involvedNs}\": does not match event.namespace"
                );
            }
            if (string.IsNullOrEmpty(e.ReportingComponent))
            {
                causes.Add("reportingController: Required value");
            }
            if (string.IsNullOrEmpty(e.ReportingInstance))
            {
                causes.Add("reportingInstance: Required value");
            }
            if (string.IsNullOrEmpty(e.Action))
            {
                causes.Add("action: Required value");
            }
            if (string.IsNullOrEmpty(e.Reason))
            {
                causes.Add("reason: Required value");
            }
            if (e.Message is { Length: > 1024 })
            {
                causes.Add("message: Invalid value: \"\": can have at most 1024 characters");
            }
        }
        if (causes.Count > 0)
        {
            throw ApiError.Invalid("Event", e.Metadata.Name ?? "", causes);
        }
    }

    /// <summary>The value of an Event field label a field selector may name ("" when unset), or null when the label
    /// is not one kube-apiserver supports for Events.</summary>
    public static string? Field(Corev1Event e, string label) =>
        label switch
        {
            "involvedObject.kind" => e.InvolvedObject?.Kind ?? "",
            "involvedObject.namespace" => e.InvolvedObject?.NamespaceProperty ?? "",
            "involvedObject.name" => e.InvolvedObject?.Name ?? "",
            "involvedObject.uid" => e.InvolvedObject?.Uid ?? "",
            "involvedObject.apiVersion" => e.InvolvedObject?.ApiVersion ?? "",
            "involvedObject.resourceVersion" => e.InvolvedObject?.ResourceVersion ?? "",
            "involvedObject.fieldPath" => e.InvolvedObject?.FieldPath ?? "",
            "reason" => e.Reason ?? "",
            "reportingComponent" => e.ReportingComponent ?? "",
            "source" => e.Source?.Component ?? "",
            "type" => e.Type ?? "",
            _ => null,
        };
}
