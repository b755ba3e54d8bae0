namespace KubePki.Controller.Tests.Api;

/// <summary>What an authorizer decides on, as in a SubjectAccessReview's resourceAttributes.</summary>
public sealed record ApiAttributes(
    string Verb,
    string Group,
    string Resource,
    string? Subresource = null,
    string? Name = null,
    string? Namespace = null
);
