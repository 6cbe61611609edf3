using Garnet.common;
using Garnet.server;

/// <summary>
/// <c>FLUX.RESTART</c>: asks the host to restart the Garnet server, as the storm's restart-redis fault does with
/// <c>DEBUG RESTART</c> on redis-server. It answers OK first; the restart follows after <see cref="ReplyDelay"/>.
/// </summary>
internal sealed class RestartProcedure(Action requestRestart) : CustomProcedure
{
    public const string Name = "FLUX.RESTART";

    /// <summary>Time for the reply to leave before the server goes.</summary>
    public static readonly TimeSpan ReplyDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the port stays closed: long enough for every client to notice.</summary>
    public static readonly TimeSpan DownTime = TimeSpan.FromMilliseconds(500);

    public override bool Execute<TGarnetApi>(TGarnetApi garnetApi, ref CustomProcedureInput procInput, ref MemoryResult<byte> output)
    {
        requestRestart();
        WriteSimpleString(ref output, "OK");
        return true;
    }
}
