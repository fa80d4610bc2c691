#!/usr/bin/env escript
%%! -noshell
%% auto-shutdown.escript — what OTP's supervisor does with significant
%% children, the cases tests/unit/test-policy-shutdown.c and conf.c assert:
%% which combinations it refuses, and which exits end the supervisor.
%% Run: escript tests/otp/auto-shutdown.escript  (prints each case)
-module('auto-shutdown').
-mode(compile).
-export([main/1, init/1, go/1]).

init({AutoShutdown, Children}) ->
    {ok, {#{strategy => one_for_one, auto_shutdown => AutoShutdown},
          [#{id => Id, start => {?MODULE, go, [Id]}, restart => R,
             significant => S} || {Id, R, S} <- Children]}}.

%% A child that exits with whatever reason it is sent.
go(Id) ->
    Pid = spawn_link(fun() -> receive Why -> exit(Why) end end),
    register(Id, Pid),
    {ok, Pid}.

refused(AutoShutdown, Restart) ->
    R = supervisor:start_link(?MODULE, {AutoShutdown, [{a, Restart, true}]}),
    io:format("~p, ~p child significant: ~w~n", [AutoShutdown, Restart, R]),
    case R of
        {ok, Sup} -> unlink(Sup), exit(Sup, kill), timer:sleep(50);
        _ -> ok
    end.

run(Name, AutoShutdown, Children, Exits) ->
    {ok, Sup} = supervisor:start_link(?MODULE, {AutoShutdown, Children}),
    lists:foreach(fun({Id, Why}) -> whereis(Id) ! Why, timer:sleep(50) end, Exits),
    timer:sleep(50),
    R = receive
        {'EXIT', Sup, Why} -> {supervisor_exited, Why}
    after 0 ->
        {running, [Id || {Id, P, _, _} <- supervisor:which_children(Sup), is_pid(P)]}
    end,
    io:format("~s: ~w~n", [Name, R]),
    unlink(Sup),
    exit(Sup, kill),
    timer:sleep(20).

main(_) ->
    process_flag(trap_exit, true),
    logger:set_primary_config(level, none),
    [refused(A, R) || A <- [never, any_significant], R <- [permanent, transient, temporary]],
    run("temporary, abnormal exit, any_significant", any_significant,
        [{a, temporary, true}, {b, permanent, false}], [{a, boom}]),
    run("transient, abnormal exit, any_significant", any_significant,
        [{a, transient, true}, {b, permanent, false}], [{a, boom}]),
    run("transient, shutdown exit, any_significant", any_significant,
        [{a, transient, true}, {b, permanent, false}], [{a, shutdown}]),
    run("all_significant, one of two exits", all_significant,
        [{a, transient, true}, {c, temporary, true}, {b, permanent, false}],
        [{a, normal}]),
    run("all_significant, both exit", all_significant,
        [{a, transient, true}, {c, temporary, true}, {b, permanent, false}],
        [{a, normal}, {c, boom}]).
