using System.IO.Pipelines;
using System.Net;

namespace Flux.Gateway.Connections;

/// <summary>
/// An upgraded client connection, whichever path upgraded it: the pipes that now carry WebSocket frames, the client's
/// address (for the per-address limits) and a way to reset the connection.
/// </summary>
internal sealed record ClientChannel(PipeReader Input, PipeWriter Output, IPAddress? RemoteAddress, Action Abort);
