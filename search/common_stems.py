"""Stems in at least 1% of the arXiv snapshot's papers (written by scripts/make_common_stems.py;
see search/phrases.py). Part of the keyword index's schema: do not edit by hand."""

_WORDS = """
0 000 1 10 100 11 12 13 14 15 16 18 19 2 20 25 2d 3 30 3d 4 40 5 50 6 7 7b 8 8b 9 90 95 a
abil abl ablat about abov absenc abstract acceler accept access accord account accumul accur
accuraci achiev acquir acquisit across act action activ actual adapt add addit address
adjust adopt advanc advantag adversari affect after against agent aggreg agnost ai aid aim
al algebra algorithm align all allevi alloc allow alon along alongsid alreadi also altern
although alway ambigu among amount an analys analysi analyt analyz anchor and ani annot
anomali anoth answer appear appli applic approach appropri approxim arbitrari architectur
are area argu aris around art articl artifact artifici as ask aspect assess assign assist
associ assum assumpt asymptot at attack attain attempt attent attract attribut audio audit
augment author autoencod autom automat autonom autoregress auxiliari avail averag avoid awar
b back backbon background balanc base baselin basi basic bayesian be becaus becom been befor
behavior behind bench benchmark benefit best better between beyond bias binari biolog black
block bodi boost both bottleneck bound boundari box brain branch break bridg broad broader
budget build built but by c calcul calibr call camera can candid cannot capabl capac caption
captur care carri case categor categori caus causal center central centric certain chain
challeng chang channel charact character characterist chatgpt check choic claim class
classic classif classifi clean clear clinic clip close cloud cluster cnn co coars code
coeffici cognit coher collabor collaps collect color com combin come common communic
communiti compact compar comparison compat compet competit complementari complet complex
compon compos composit comprehens compress compris compromis comput concentr concept concern
condit conduct confid configur confirm conflict connect consequ consid consider consist
constant constrain constraint construct consum consumpt contain content context contextu
continu contrast contribut control convent converg convers convert convex convolut coordin
core corpora corpus correct correl correspond cost cot could count counterpart coupl cover
coverag creat creation criteria critic cross crucial cue cultur curat current custom d data
databas dataset deal decis decod decompos decomposit decoupl decreas dedic deep defin
definit degrad degre deliv demand demonstr denois dens densiti depend deploy depth deriv
descent describ descript design desir despit detail detect detector determin determinist
develop deviat devic diagnosi diagnost dialogu differ differenti difficult difficulti diffus
digit dimens dimension direct discov discoveri discrep discret discrimin discuss diseas
disentangl distanc distil distinct distinguish distort distribut diverg divers do document
doe domain domin downstream draw drift drive driven drop dual due dure dynam e each earli
easi easili econom edg edit educ effect efficaci effici effort eight either element elimin
embed embodi emerg emergenc emot emph emphas empir employ enabl encod encompass encount
encourag end energi enforc engag engin english enhanc enrich ensembl ensur entir entiti
entropi environ environment equal equat equip equival error especi essenti establish estim
et evalu even event everi evid evolut evolv exact examin exampl exceed excel execut exhibit
exist expand expect expens experi experiment expert explain explan explicit exploit explor
exponenti expos express extend extens extern extract extrem f f1 face facilit fact factor
factual fail failur fair faith fall fals famili far fast faster favor feasibl featur feder
feedback few fewer fidel field fill filter final financi find fine finetun finit first fit
five fix flexibl flow focus follow for forc forecast forget form formal format formul
forward found foundat four frame framework free frequenc frequent from frontier frozen full
fulli function fundament further furthermor fuse fusion futur g gain game gap gate gaussian
general generaliz generat generic geometr geometri github give given global goal good govern
gpt gpu gradient grain granular graph great greater grid ground group grow growth guarante
guid guidanc hallucin hand handl har hard hardwar harm has have head health healthcar
heavili help henc here heterogen heurist hidden hierarch high higher highest highlight
hinder histor histori hold horizon how howev https human hybrid hypothesi i idea ident
identif identifi if ignor ii iii illustr imag imageri impact implement implic implicit
import impress improv in includ incomplet inconsist incorpor incorrect increas incur
independ index indic individu induc induct industri ineffici infer influenc inform inher
initi inject innov input insight inspir instanc instead instruct insuffici integr intellig
intens intent inter interact interest interfac interfer intermedi internal interpret
intervent into intra intrins introduc intuit invari invers investig involv io is isol issu
it item iter itself joint judg judgment just k keep kernel key knowledg known l label lack
landscap languag larg larger last latenc latent law layer layout lead learn learnabl least
leav length less level leverag lie life light lightweight like likelihood limit line linear
linguist link literatur littl llama llm llms local locat log logic long loop loss low lower
m machin made magnitud main maintain major make manag mani manipul manner manual map margin
market markov mask massiv match materi mathemat matrix maxim maximum may mean meaning measur
mechan media medic meet memori merg meta method methodolog metric million minim misalign
mismatch miss mitig mix mixtur ml mllms mobil modal mode model modern modif modifi modul
modular monitor more moreov most motion motiv move much multi multilingu multimod multipl
must n name nativ natur navig near necessari necessit need negat neglect net network neural
new next nlp no node nois noisi non nonlinear normal not notabl notion novel nuanc number
numer o object observ obtain occlus occur of off offer offlin often on onc one onli onlin
open oper opportun optic optim or order organiz orient origin other our out outcom
outperform output over overal overcom overfit overhead overlap overlook own p page pair
paper paradigm parallel paramet parametr part partial particip particular partit pass past
patch path patient pattern peopl per perceiv percept perceptu perform period persist person
perspect perturb phase phenomenon physic pipelin pixel place plan platform plausibl play
plug point polici pool poor popul popular pose posit possibl post potenti power practic pre
precis predict predomin prefer presenc present preserv pretrain preval prevent previous
price primari primarili principl prior priorit privaci privat probabilist probabl probe
problem procedur process produc product profil program progress project promis promot prompt
prone proof propag properti propos protect protocol prototyp prove proven provid proxi prune
pseudo public pure purpos q qa quadrat qualit qualiti quantifi quantit quantiz quantum queri
question r rag rais random rang rank rapid rare rate rather ratio raw re reach read real
realist realiz reason recal receiv recent recogn recognit recommend reconstruct record recov
recoveri reduc reduct redund refer refin reflect regard regim region regress regular
reinforc relat relationship releas relev reli reliabl relianc remain remark remot remov
render repeat replac report repres represent reproduc requir research residu resolut resolv
resourc respect respons restor restrict result retain retrain retriev return reveal revers
review reward rgb rich right rigor rise risk rl robot robust role rout rule run s safe
safeti same sampl satisfi scalabl scale scan scarciti scenario scene schedul scheme scienc
scientif score seamless search second secur seek seen segment select self semant semi sens
sensit sensor sentenc separ sequenc sequenti seri serv servic set setup seven sever shape
share shift short shot should show showcas shown side signal signific similar simpl simplifi
simul simultan sinc singl situat six size skill slow small smaller smooth so social soft
softwar sole solut solv solver some sota sourc space span spars sparsiti spatial special
specif specifi spectral speech speed splat split squar stabil stabl stage standard start
state static statist steer stem step still stochast store strateg strategi stream strength
strict strong stronger structur struggl student studi style sub subject suboptim subsequ
subset substanti subtl success such suffer suffici suggest suit suitabl summar summari
superior supervis support suppress surfac surpass surpris survey symbol synthes synthesi
synthet system systemat t tackl tailor take target task taxonomi teacher technic techniqu
technolog tempor tend term test text textbf textit textual textur than that the their them
then theoret theori there therebi therefor these they think third this those though thought
three threshold through thus time to togeth token tool top topic topolog total toward trace
track trade tradit traffic train trajectori transfer transform transit translat transpar
transport treat treatment tree trend true trust trustworthi truth tune turn two type typic u
uncertainti unclear uncov under underexplor underscor understand unifi uniform uniqu unit
universal unknown unlabel unlik unseen unsupervis up updat upon upper us usag use user usual
util valid valu valuabl vari variabl varianc variant variat varieti various vast vector
vehicl veri verif verifi version via video view viewpoint virtual visibl vision visual vital
vlm vlms vocabulari volum vs vulner was way we weak web weight well were what when where
wherea whether whi which while who whole whose wide widespread will window wise with within
without word work workflow world would write x year yet yield zero
"""

STEMS = frozenset(_WORDS.split())
