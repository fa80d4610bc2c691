#!/usr/bin/env escript
%%! -noshell
%% supervisor-order.escript — what OTP's supervisor really does in the cases
%% tests/unit/test-policy-*.c assert: the order of stops and starts, which
%% children a one_for_all / rest_for_one restart touches, intensity.
%% Run: escript tests/otp/supervisor-order.escript  (prints each case's trace)
-module('supervisor-order').
-mode(compile).
-export([main/1, init/1, start_child/1, child_loop/1]).

%% Children tell the log when they start and when they are stopped.
start_child(Id) ->
    case persistent_term:get({fail, Id}, never) of
        always -> log({start_failed, Id}), {error, refused};
        once ->
            persistent_term:erase({fail, Id}),
            log({start_failed, Id}), {error, refused};
        never ->
            Pid = proc_lib:spawn_link(fun() ->
                process_flag(trap_exit, true),
                log({start, Id}),
                child_loop(Id)
            end),
            {ok, Pid}
    end.

child_loop(Id) ->
    receive
        {'EXIT', _From, shutdown} -> log({stop, Id}), exit(shutdown);
        {crash, How} -> exit(How);
        _ -> child_loop(Id)
    end.

log(Ev) -> logger_proc ! {log, Ev}, ok.

init({Strategy, Intensity, Period, Children}) ->
    {ok, {#{strategy => Strategy, intensity => Intensity, period => Period},
          [#{id => Id, start => {?MODULE, start_child, [Id]}, restart => R,
             shutdown => 1000} || {Id, R} <- Children]}}.

collector(Acc) ->
    receive
        {log, Ev} -> collector([Ev | Acc]);
        {take, From} -> From ! {trace, lists:reverse(Acc)}, collector([])
    end.

take() ->
    timer:sleep(100),
    logger_proc ! {take, self()},
    receive {trace, T} -> T end.

pid(Sup, Id) ->
    {Id, Pid, _, _} = lists:keyfind(Id, 1, supervisor:which_children(Sup)),
    Pid.

crash(Sup, Id, How) -> pid(Sup, Id) ! {crash, How}.

start_sup(Strategy, I, P, Children) ->
    process_flag(trap_exit, true),
    {ok, Sup} = supervisor:start_link(?MODULE, {Strategy, I, P, Children}),
    take(),
    Sup.

stop_sup(Sup) ->
    unlink(Sup), exit(Sup, kill), timer:sleep(50), take().

show(Name, Result) -> io:format("~s:~n    ~p~n", [Name, Result]).

main(_) ->
    logger:set_primary_config(level, none),
    register(logger_proc, spawn(fun() -> collector([]) end)),
    P = permanent, T = temporary, Tr = transient,

    S1 = start_sup(one_for_all, 3, 5, [{a, P}, {b, P}, {c, P}, {d, P}]),
    crash(S1, b, boom),
    show("one_for_all, b crashes", take()),
    stop_sup(S1),

    S2 = start_sup(rest_for_one, 3, 5, [{a, P}, {t, T}, {c, P}]),
    crash(S2, a, boom),
    show("rest_for_one, a crashes, t temporary", take()),
    show("  children after", [Id || {Id, _, _, _} <- supervisor:which_children(S2)]),
    stop_sup(S2),

    S3 = start_sup(one_for_all, 3, 5, [{a, P}, {b, P}, {c, P}]),
    ok = supervisor:terminate_child(S3, b),
    take(),
    crash(S3, a, boom),
    show("one_for_all, b stopped by terminate_child, a crashes", take()),
    stop_sup(S3),

    S4 = start_sup(one_for_all, 3, 5, [{a, P}, {tr, Tr}, {c, P}]),
    crash(S4, tr, normal),
    show("one_for_all, transient tr exits normally", take()),
    crash(S4, c, boom),
    show("  then c crashes", take()),
    stop_sup(S4),

    S5 = start_sup(one_for_one, 2, 5, [{a, P}, {b, P}]),
    crash(S5, a, normal), take(),
    crash(S5, a, normal), take(),
    show("one_for_one 2 in 5 s, after two restarts alive", is_process_alive(S5)),
    crash(S5, a, normal),
    show("  third exit", take()),
    show("  alive", is_process_alive(S5)),

    S6 = start_sup(one_for_one, 2, 5, [{a, P}, {b, P}]),
    persistent_term:put({fail, a}, always),
    crash(S6, a, boom),
    show("one_for_one 2 in 5 s, a crashes and its restarts fail", take()),
    show("  alive", is_process_alive(S6)),
    persistent_term:erase({fail, a}),

    S7 = start_sup(one_for_all, 3, 5, [{a, P}, {b, P}, {c, P}]),
    persistent_term:put({fail, b}, once),
    crash(S7, a, boom),
    show("one_for_all, a crashes, b's first restart fails", take()),
    stop_sup(S7),

    S8 = start_sup(rest_for_one, 3, 5, [{a, P}, {b, P}, {c, P}]),
    persistent_term:put({fail, b}, once),
    crash(S8, a, boom),
    show("rest_for_one, a crashes, b's first restart fails", take()),
    stop_sup(S8),

    S9 = start_sup(one_for_one, 0, 5, [{a, P}, {t, T}]),
    crash(S9, t, boom),
    show("one_for_one 0 in 5 s, temporary t crashes", take()),
    show("  alive", is_process_alive(S9)),
    show("  children after", [Id || {Id, _, _, _} <- supervisor:which_children(S9)]),
    stop_sup(S9),
    ok.
