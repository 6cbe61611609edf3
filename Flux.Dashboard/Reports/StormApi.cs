using Flux.Dashboard.Storms;
using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Grpc.Core;

namespace Flux.Dashboard.Reports;

/// <summary>
/// Storms for scripts, through the same path as the page (this dashboard, then the swarm over gRPC), so a storm started
/// here shows live on every open page:
/// <list type="bullet">
/// <item><c>POST /api/storms</c> with the JSON body <c>{"preset": "seed"}</c> starts a preset: <c>202</c> with
/// <c>{"id": "…"}</c>; <c>400</c> for an unknown preset or a plan the swarm refuses; <c>415</c> for a body that is not
/// JSON (so no form on another site can start a storm); <c>409</c> while another storm runs; <c>503</c> when the swarm
/// is unreachable.</item>
/// <item><c>GET /api/storms/{id}</c>: <c>{"id", "phase", "outcome", "verdict"}</c>, where outcome is passed, violated,
/// inconclusive, error (the storm could not run; the verdict says why) or "" while it runs; the report itself is at
/// <c>/storms/{id}/report.json</c>.</item>
/// </list>
/// bench/cold-start.sh drives it.
/// </summary>
internal static class StormApi
{
    public static IEndpointRouteBuilder MapStormApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/storms", StartAsync);
        endpoints.MapGet("/api/storms/{id}", GetAsync);
        return endpoints;
    }

    /// <summary>What <c>POST /api/storms</c> takes.</summary>
    internal sealed record StartStormRequest(string? Preset);

    // JSON only: a cross-site form can send no JSON, and a cross-site script cannot without a CORS preflight, which is never answered.
    private static async Task<IResult> StartAsync(HttpRequest request, StormWatcher storms, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return Results.Problem("Send the storm as JSON: Content-Type: application/json, body {\"preset\": \"seed\"}.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        StartStormRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<StartStormRequest>(cancellationToken).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return Results.Problem($"The body is not the JSON this takes ({{\"preset\": \"seed\"}}): {ex.Message}", statusCode: StatusCodes.Status400BadRequest);
        }
        string? preset = body?.Preset;
        if (preset is null || !StormPresets.TryGet(preset, out var plan))
        {
            return Results.Problem($"Unknown preset '{preset}'; use one of {string.Join(", ", StormPresets.Names)}.", statusCode: StatusCodes.Status400BadRequest);
        }
        try
        {
            string id = await storms.StartAsync(plan, cancellationToken).ConfigureAwait(false);
            return Results.Accepted($"/api/storms/{id}", new { id });
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            return Results.Problem($"The swarm refused the plan: {ex.Status.Detail}", statusCode: StatusCodes.Status400BadRequest);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
        {
            return Results.Problem($"The swarm refused: {ex.Status.Detail}", statusCode: StatusCodes.Status409Conflict);
        }
        catch (RpcException ex)
        {
            return Results.Problem($"The swarm is unreachable: {ex.Status.Detail}", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> GetAsync(string id, StormWatcher storms, CancellationToken cancellationToken)
    {
        try
        {
            var status = await storms.GetAsync(id, cancellationToken).ConfigureAwait(false);
            return status is null
                ? Results.NotFound($"No storm '{id}'.")
                : Results.Ok(new
                {
                    id = status.Id,
                    phase = StormPhaseNames.ToText(status.Phase),
                    outcome = status.Phase == StormPhase.Failed && status.Outcome == StormOutcome.Unspecified
                        ? "error"
                        : StormOutcomeMapping.ToText(status.Outcome),
                    verdict = status.Verdict,
                });
        }
        catch (RpcException ex)
        {
            return Results.Problem($"The swarm is unreachable: {ex.Status.Detail}", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
